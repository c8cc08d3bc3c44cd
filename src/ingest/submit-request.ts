import type { Alert, Classification, Severity } from '../domain/alert.js';
import { SEVERITIES } from '../domain/alert.js';
import type { ErrorDetail } from '../domain/errors.js';
import { storableText } from '../domain/storable-text.js';
import { isPlainObject, parseAlert, ZERO_TIME } from './alert-fields.js';

/**
 * The submit API body `{alert, classification?, targets?}`. Unlike the webhook, unknown keys
 * at the top and in `classification` are errors (a misspelt `targets` must not silently
 * route to every target); the alert itself is read as the webhook reads one, with `status`
 * defaulting to firing.
 */
export interface SubmitRequest {
  alert: Alert;
  classification?: Classification;
  /** Named targets: skip `match`, not `enabled`. Deduplicated, in the order given. */
  targets?: string[];
}

export type SubmitRequestParse =
  { ok: true; request: SubmitRequest } | { ok: false; details: ErrorDetail[] };

const REQUEST_KEYS = new Set(['alert', 'classification', 'targets']);
const CLASSIFICATION_KEYS = new Set(['severity', 'confidence', 'reasoning', 'recommendations']);

export function parseSubmitRequest(
  body: unknown,
  receivedAt: string = ZERO_TIME,
): SubmitRequestParse {
  if (!isPlainObject(body)) {
    return { ok: false, details: [{ path: '', message: 'expected a JSON object' }] };
  }
  const details: ErrorDetail[] = unknownKeys(body, REQUEST_KEYS, '');
  const parsedAlert =
    body['alert'] === undefined
      ? undefined
      : parseAlert(body['alert'], 'alert', { status: 'firing', startsAt: receivedAt });
  if (parsedAlert === undefined) details.push({ path: 'alert', message: 'required' });
  else if (!parsedAlert.ok) details.push(parsedAlert.problem);

  const classification =
    body['classification'] === undefined
      ? undefined
      : parseClassification(body['classification'], details);
  const targets =
    body['targets'] === undefined ? undefined : parseTargets(body['targets'], details);

  if (details.length > 0 || parsedAlert === undefined || !parsedAlert.ok)
    return { ok: false, details };
  const request: SubmitRequest = { alert: parsedAlert.alert };
  if (classification !== undefined) request.classification = classification;
  if (targets !== undefined) request.targets = targets;
  return { ok: true, request };
}

/** `severity` is required (any case); confidence defaults to 1, reasoning to "", recommendations to []. */
function parseClassification(value: unknown, details: ErrorDetail[]): Classification | undefined {
  if (!isPlainObject(value)) {
    details.push({ path: 'classification', message: 'expected an object' });
    return undefined;
  }
  const before = details.length;
  details.push(...unknownKeys(value, CLASSIFICATION_KEYS, 'classification.'));
  const severityText = value['severity'];
  const severity = typeof severityText === 'string' ? severityOf(severityText) : undefined;
  if (severity === undefined) {
    details.push({
      path: 'classification.severity',
      message: severityText === undefined ? 'required' : `must be one of ${SEVERITIES.join(', ')}`,
    });
  }
  const confidence = value['confidence'] ?? 1;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
    details.push({ path: 'classification.confidence', message: 'expected a number from 0 to 1' });
  }
  const reasoning = value['reasoning'] ?? '';
  if (typeof reasoning !== 'string') {
    details.push({ path: 'classification.reasoning', message: 'expected a string' });
  }
  const recommendations = value['recommendations'] ?? [];
  const recommendationsOk = isStringList(recommendations);
  if (!recommendationsOk) {
    details.push({ path: 'classification.recommendations', message: 'expected a list of strings' });
  }
  if (
    details.length > before ||
    severity === undefined ||
    typeof confidence !== 'number' ||
    typeof reasoning !== 'string' ||
    !recommendationsOk
  ) {
    return undefined;
  }
  // Stored with the job and its dead letter: made storable like the alert (storable-text.ts).
  return {
    severity,
    confidence,
    reasoning: storableText(reasoning),
    recommendations: recommendations.map(storableText),
  };
}

function parseTargets(value: unknown, details: ErrorDetail[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    details.push({ path: 'targets', message: 'expected a non-empty list of target names' });
    return undefined;
  }
  const names: string[] = [];
  value.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || name === '') {
      details.push({ path: `targets[${index}]`, message: 'expected a target name' });
    } else if (!names.includes(name)) {
      names.push(name);
    }
  });
  return names;
}

function severityOf(text: string): Severity | undefined {
  const lower = text.toLowerCase();
  return SEVERITIES.find((severity) => severity === lower);
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function unknownKeys(
  value: Record<string, unknown>,
  known: ReadonlySet<string>,
  prefix: string,
): ErrorDetail[] {
  return Object.keys(value)
    .filter((key) => !known.has(key))
    .map((key) => ({ path: `${prefix}${key}`, message: 'unknown field' }));
}
