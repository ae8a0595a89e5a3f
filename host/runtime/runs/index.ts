/**
 * Runs: the chat service every entry point opens, admits and starts runs through (chat.ts),
 * the registry of runs in flight that lets a dropped client resume (runs.ts), and a run's
 * events folded into a whole reply for callers that do not stream (replies.ts).
 */
export {
  type ChatService,
  type ChatServiceDeps,
  createChatService,
  type OpenedChat,
  type StartChat,
  type StartedChat,
  sessionOwnedBy,
  withFileUrls,
} from './chat.ts'
export { RedisRunBoard, type RedisRunBoardOptions } from './redis-run-board.ts'
export { collectEvents, collectReply, collectSyncReply, ReplyFold, toSyncReply, type VisibleFailure } from './replies.ts'
export { type FoundRun, type NumberedEvent, Run, type RunBoard, type RunFeed, type RunListener, type RunMeta, RunRegistry } from './runs.ts'
