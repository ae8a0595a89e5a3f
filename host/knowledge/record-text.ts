/**
 * A table or CSV row as `header: value; header: value`, the values present only, so a row found
 * alone by search still says what each value is. Without headers: the values, ` | ` between.
 */
export function recordText(headers: string[], values: string[]): string {
  if (headers.every((header) => header === '')) return values.filter(Boolean).join(' | ')
  return values
    .map((value, index) => (value === '' ? '' : `${headers[index] || `Column ${index + 1}`}: ${value}`))
    .filter(Boolean)
    .join('; ')
}
