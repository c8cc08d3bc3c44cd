import type { Alert, Classification } from '../domain/alert.js';
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
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function section(markdown: string): object {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(markdown, SLACK_LIMITS.sectionChars) },
  };
}

const LINK_ANNOTATIONS: ReadonlyArray<[string, string]> = [
  ['runbook_url', 'Runbook'],
  ['dashboard_url', 'Dashboard'],
  ['grafana_url', 'Grafana'],
];

function links(alert: Alert): string[] {
  const found: string[] = [];
  for (const [key, label] of LINK_ANNOTATIONS) {
    const url = alert.annotations[key];
    if (url !== undefined && /^https?:\/\//.test(url)) found.push(`<${escape(url)}|${label}>`);
  }
  if (/^https?:\/\//.test(alert.generatorURL)) found.push(`<${escape(alert.generatorURL)}|Source>`);
  return found;
}

function classificationText(c: Classification): string {
  const lines = [
    `*Classification:* ${escape(c.severity)} (confidence ${Math.round(c.confidence * 100)}%)`,
  ];
  if (c.reasoning !== '') lines.push(escape(c.reasoning));
  for (const r of c.recommendations) lines.push(`• ${escape(r)}`);
  return lines.join('\n');
}

export function slackMessage(alert: Alert, classification?: Classification): object {
  const look = lookOf(alert, classification);
  const name = alert.labels['alertname'] ?? 'alert';
  const state = alert.status === 'resolved' ? 'RESOLVED' : 'FIRING';
  const summary = alert.annotations['summary'] ?? '';
  const description = alert.annotations['description'] ?? '';
  const title = `${state}: ${name}`;

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
  const about = [summary, description]
    .filter((t) => t !== '')
    .map(escape)
    .join('\n');
  if (about !== '') blocks.push(section(about));
  const labelLines = Object.entries(alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  blocks.push(section(`*Labels*\n\`\`\`${escape(labelLines)}\`\`\``));
  const times =
    alert.status === 'resolved'
      ? `Started ${alert.startsAt}, ended ${alert.endsAt}`
      : `Started ${alert.startsAt}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escape(times) }] });
  if (classification !== undefined) blocks.push(section(classificationText(classification)));
  const found = links(alert);
  if (found.length > 0) blocks.push(section(found.join(' · ')));

  const text = truncate(summary === '' ? title : `${title} (${summary})`, SLACK_LIMITS.textChars);
  return {
    text,
    attachments: [
      { color: look.color, fallback: text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) },
    ],
  };
}
