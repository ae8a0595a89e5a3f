/**
 * Owner API, files: what an agent's files take (attachments, tools' output, uploads no message
 * named yet), today's attachment count against its budget, and the sessions taking the most.
 * Every role may read it, for the agents its key reaches.
 */

import { Hono } from 'hono'
import { type AgentFiles, CONSOLE } from '../../../shared/console.ts'
import { reachableAgent } from '../../auth/owner-auth.ts'
import type { UploadLimits } from '../../config.ts'
import type { OwnerEnv } from '../../http/env.ts'
import type { Store } from '../../store/store.ts'
import { utcDay } from '../../store/utc-day.ts'
import { linkOfScope } from './present.ts'

export function ownerFileRoutes({ store, uploads }: { store: Store; uploads: UploadLimits }) {
  return new Hono<OwnerEnv>().get('/agents/:id/files', async (c) => {
    const agent = await reachableAgent(store, c, c.req.param('id'))
    const day = utcDay(Date.now())
    const usage = await store.fileUsage(agent.id, day, CONSOLE.filesTopSessions)
    const reply: AgentFiles = {
      agent_id: agent.id,
      totals: { attachments: usage.attachments, outputs: usage.outputs, unused_attachments: usage.unusedAttachments },
      today: { day, attachment_bytes: usage.dayAttachmentBytes },
      budgets: {
        session_attachment_bytes: uploads.sessionBytes,
        agent_attachment_bytes_per_day: uploads.agentDayBytes,
        unused_minutes: uploads.unusedMs / 60_000,
      },
      top_sessions: usage.topSessions.map((session) => ({
        session_id: session.sessionId,
        scope: session.scope,
        link_id: linkOfScope(session.scope),
        count: session.count,
        bytes: session.bytes,
        has_messages: session.hasMessages,
      })),
    }
    return c.json(reply, 200)
  })
}
