/**
 * Cuts `text` to at most `max` UTF-16 units, marking the cut with an ellipsis. Never cuts a
 * surrogate pair in two: half a pair is a lone surrogate, which PostgreSQL's jsonb refuses.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
