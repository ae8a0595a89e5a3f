export * from './limits.ts'
export * from './protocol.ts'
export * from './owner.ts'
export * from './tools.ts'
