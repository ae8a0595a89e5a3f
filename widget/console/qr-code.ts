/** A QR code of a URL as an SVG data: URL (the console's CSP allows `img-src data:`, no inline script). */
import { generate } from 'lean-qr'
import { toSvgDataURL } from 'lean-qr/extras/svg'

export function qrDataUrl(text: string): string {
  return toSvgDataURL(generate(text), { on: 'black', off: 'white', padX: 4, padY: 4 })
}
