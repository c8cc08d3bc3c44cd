import type { Alert, Classification } from '../domain/alert.js';
import { alertName, alertSummary, firstNonBlank } from './alert-text.js';
import { truncate } from './truncate.js';

/**
 * The Slack message for one alert: a `text` fallback (notifications, screen readers) and one
 * attachment whose colour bar shows severity, holding Block Kit blocks. Limits
 * (https://api.slack.com/reference/block-kit/blocks): header text 150 chars, section text
 * 3000, 50 blocks per message; `text` is truncated by Slack past 40 000 chars. Every text is
 * cut to its limit here so Slack never answers invalid_blocks for a long annotation.
 */
export const SLACK_LIMITS = {
  headerChars: 150,
  sectionChars: 3000,
  blocks: 50,
  textChars: 40_000,
} as const;

const LOOKS = {
  critical: { color: '#E01E5A', emoji: ':red_circle:' },
  error: { color: '#E01E5A', emoji: ':red_circle:' },
  warning: { color: '#ECB22E', emoji: ':warning:' },
  info: { color: '#36C5F0', emoji: ':information_source:' },
  none: { color: '#9E9E9E', emoji: ':grey_question:' },
  resolved: { color: '#2EB67D', emoji: ':white_check_mark:' },
} as const;
type Look = (typeof LOOKS)[keyof typeof LOOKS];

function lookOf(alert: Alert, classification: Classification | undefined): Look {
  if (alert.status === 'resolved') return LOOKS.resolved;
  const severity = (classification?.severity ?? alert.labels['severity'] ?? '').toLowerCase();
  switch (severity) {
    case 'critical':
    case 'error':
    case 'warning':
    case 'info':
      return LOOKS[severity];
    case 'noise':
      return LOOKS.info;
    default:
      return LOOKS.none;
  }
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function escape(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/**
 * `text` escaped and at most `max` characters long. The cut is made in the raw text (an
 * ellipsis marks it, as truncate.ts's), so it never lands inside an entity such as `&amp;`;
 * text that fits is escaped as is. Never cuts a surrogate pair in two.
 */
function escapeWithin(text: string, max: number): string {
  const escaped = escape(text);
  if (escaped.length <= max) return escaped;
  let length = 1;
  let end = 0;
  for (; end < text.length; end += 1) {
    const size = ENTITIES[text.charAt(end)]?.length ?? 1;
    if (length + size > max) break;
    length += size;
  }
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${escape(text.slice(0, end))}…`;
}

/**
 * A mrkdwn section of `open` + `text` escaped + `close`, `text` cut (escapeWithin) so the whole
 * stays within Slack's section limit: a cut after escaping and wrapping could split an entity
 * or drop the closing ``` of a code block (docs/targets.md, "slack").
 */
function section(text: string, open = '', close = ''): object {
  const within = escapeWithin(text, SLACK_LIMITS.sectionChars - open.length - close.length);
  return { type: 'section', text: { type: 'mrkdwn', text: `${open}${within}${close}` } };
}

const LINK_ANNOTATIONS: ReadonlyArray<[string, string]> = [
  ['runbook_url', 'Runbook'],
  ['dashboard_url', 'Dashboard'],
  ['grafana_url', 'Grafana'],
];

const LINK_SEPARATOR = ' · ';

/**
 * The links as one mrkdwn text within the section limit: a link that would not fit is left
 * out whole, as a `<url|label>` cut short would be broken markup leading nowhere.
 */
function linksText(alert: Alert): string {
  const found: string[] = [];
  for (const [key, label] of LINK_ANNOTATIONS) {
    const url = alert.annotations[key];
    if (url !== undefined && /^https?:\/\//.test(url)) found.push(`<${escape(url)}|${label}>`);
  }
  if (/^https?:\/\//.test(alert.generatorURL)) found.push(`<${escape(alert.generatorURL)}|Source>`);
  let text = '';
  for (const link of found) {
    const next = text === '' ? link : `${text}${LINK_SEPARATOR}${link}`;
    if (next.length <= SLACK_LIMITS.sectionChars) text = next;
  }
  return text;
}

function classificationSection(c: Classification): object {
  const heading = `*Classification:* ${escape(c.severity)} (confidence ${Math.round(c.confidence * 100)}%)`;
  const lines = c.reasoning === '' ? [] : [c.reasoning];
  for (const r of c.recommendations) lines.push(`• ${r}`);
  return lines.length === 0 ? section('', heading) : section(lines.join('\n'), `${heading}\n`);
}

export function slackMessage(alert: Alert, classification?: Classification): object {
  const look = lookOf(alert, classification);
  const state = alert.status === 'resolved' ? 'RESOLVED' : 'FIRING';
  const title = `${state}: ${alertName(alert)}`;
  // Slack refuses a section whose text is empty (invalid_blocks): blank annotations are left out.
  const summary = alertSummary(alert) ?? '';
  const description = firstNonBlank([alert.annotations['description']], '');

  const blocks: object[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${look.emoji} ${title}`, SLACK_LIMITS.headerChars),
        emoji: true,
      },
    },
  ];
  const about = [summary, description].filter((t) => t !== '').join('\n');
  if (about !== '') blocks.push(section(about));
  const labelLines = Object.entries(alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  blocks.push(section(labelLines, '*Labels*\n```', '```'));
  const times =
    alert.status === 'resolved'
      ? `Started ${alert.startsAt}, ended ${alert.endsAt}`
      : `Started ${alert.startsAt}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escape(times) }] });
  if (classification !== undefined) blocks.push(classificationSection(classification));
  const links = linksText(alert);
  if (links !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: links } });

  const text = truncate(summary === '' ? title : `${title} (${summary})`, SLACK_LIMITS.textChars);
  return {
    text,
    attachments: [
      { color: look.color, fallback: text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) },
    ],
  };
}
