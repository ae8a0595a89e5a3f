/**
 * The visitor widget's entry. The `<porch-chat>` component, its stream client and the embed
 * loader arrive with issue 3; until then the build emits only the version marker.
 */
export const PORCH_WIDGET_VERSION = '0.1.0'
