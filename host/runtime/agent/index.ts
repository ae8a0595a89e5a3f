/**
 * The agent: one run's loop of model calls and tool calls (run-agent.ts), the pieces of one
 * model call (model-call.ts), the recorder that turns a run into events and stored messages
 * (turn-recorder.ts), stored messages as model messages (history.ts), and context compression
 * (compression.ts).
 */

export { compressIfNeeded, type Summary } from './compression.ts'
export type { AttachmentData } from './history.ts'
export { type AgentRunInput, type AgentRunResult, type RunFailure, runAgent, type TurnEvent } from './run-agent.ts'
export { type VerifiedUser, type Visitor, visitorSystemBlock } from './visitor.ts'
