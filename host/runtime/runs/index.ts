/**
 * Runs: the chat service every entry point starts or re-attaches runs through (chat.ts), and the
 * registry of runs in flight that lets a dropped client resume (runs.ts).
 */
export { collectSyncReply, createChatService, toSyncReply, type ChatService, type ChatServiceDeps, type StartChat, type StartedChat } from './chat.ts'
export { Run, RunRegistry, type NumberedEvent, type RunListener } from './runs.ts'
