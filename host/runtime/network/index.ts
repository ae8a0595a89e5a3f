/** The SSRF guard for every outbound request of a tool (net-guard.ts), over the address classes of address-kind.ts. */
export { checkTarget, classifyAddress, describeNetworkFailure, guardedFetch, pinnedRequest, RefusedTargetError, type AddressKind, type AllowPrivate, type GuardedResponse, type Resolver } from './net-guard.ts'
