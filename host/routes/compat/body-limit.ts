/**
 * The host limits bodies under /api/* only; the compat APIs live at other paths, so they bring
 * the same limit along. It throws, so each compat API answers in its own error shape.
 */
import type { MiddlewareHandler } from 'hono'
import { LIMITS } from '../../../shared/index.ts'
import { bodyLimit, refusedBodyHeaders } from '../../fast-paths/body-limit.ts'
import { ApiError } from '../../http/errors.ts'

export function compatBodyLimit(maxSize: number = LIMITS.bodyBytes): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      throw new ApiError(413, 'payload_too_large', `The body is larger than ${maxSize} bytes.`, undefined, refusedBodyHeaders(c))
    },
  })
}
