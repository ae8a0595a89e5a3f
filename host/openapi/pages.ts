/** What browsers load: the hosted chat pages and the widget's files (host/routes/pages.ts), and this document with its reference page. */
import { z } from 'zod'
import type { RouteSpec } from './route-spec.ts'

const page = (status: 200 | 404 | 410, description: string) => ({ [status]: { description, body: { html: true as const } } })

export const pageRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/published/{agentId}',
    tag: 'Pages',
    summary: "A published agent's hosted chat page (what its iframe opens)",
    auth: ['none'],
    params: { agentId: z.uuid() },
    replies: { ...page(200, 'The chat page.'), ...page(404, 'Not published, or not public.') },
  },
  {
    method: 'get',
    path: '/l/{token}',
    tag: 'Pages',
    summary: "A share link's chat page",
    auth: ['none'],
    params: { token: z.string() },
    replies: { ...page(200, 'The chat page.'), ...page(404, 'No such link.'), ...page(410, 'The link has expired.') },
  },
  {
    method: 'get',
    path: '/embed.js',
    tag: 'Pages',
    summary: 'The loader a `<script>` tag embeds (the newest widget)',
    auth: ['none'],
    replies: { 200: { description: 'JavaScript.', body: { binary: 'text/javascript' } } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/widget/{version}/{file}',
    tag: 'Pages',
    summary: "A widget version's files (immutable, for Subresource Integrity)",
    auth: ['none'],
    params: { version: z.string(), file: z.string() },
    replies: { 200: { description: 'The file.', body: { binary: 'JavaScript or CSS.' } } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Host',
    summary: 'This document (OpenAPI 3.1)',
    auth: ['none'],
    replies: { 200: { description: 'The document.', body: z.object({ openapi: z.string() }).loose() } },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    tag: 'Host',
    summary: 'This document, under the API prefix',
    auth: ['none'],
    replies: { 200: { description: 'The document.', body: z.object({ openapi: z.string() }).loose() } },
  },
  {
    method: 'get',
    path: '/docs/api',
    tag: 'Host',
    summary: 'The API reference: this document, rendered (served from this host, no CDN)',
    auth: ['none'],
    replies: page(200, 'The reference page.'),
  },
  ...(['swagger-ui.css', 'swagger-ui-bundle.js', 'reference.js'] as const).map(
    (file): RouteSpec => ({
      method: 'get',
      path: `/docs/api/${file}`,
      tag: 'Host',
      summary: "A file of the reference page (Swagger UI's, or the script that starts it)",
      auth: ['none'],
      replies: { 200: { description: 'The file.', body: { binary: file.endsWith('.css') ? 'CSS.' : 'JavaScript.' } } },
    }),
  ),
]
