/** The SSRF guard for every outbound request of a tool (net-guard.ts), over the address classes of address-kind.ts. */
export {
  type AddressKind,
  type AllowPrivate,
  checkTarget,
  classifyAddress,
  describeNetworkFailure,
  type GuardedResponse,
  guardedFetch,
  pinnedRequest,
  RefusedTargetError,
  type Resolver,
} from './net-guard.ts'
