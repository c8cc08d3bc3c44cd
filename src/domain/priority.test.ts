import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { aClassification, anAlert } from '../../test/support/builders.js';
import type { Severity } from './alert.js';
import type { Priority } from './job.js';
import { priorityOf } from './priority.js';

describe('priorityOf', () => {
  const cases: Array<{
    name: string;
    status: 'firing' | 'resolved';
    label?: string;
    classified?: Severity;
    want: Priority;
  }> = [
    { name: 'firing critical label', status: 'firing', label: 'critical', want: 'high' },
    {
      name: 'label compared case-insensitively',
      status: 'firing',
      label: 'CRITICAL',
      want: 'high',
    },
    {
      name: 'firing, classified critical',
      status: 'firing',
      label: 'warning',
      classified: 'critical',
      want: 'high',
    },
    { name: 'resolved critical label is low', status: 'resolved', label: 'critical', want: 'low' },
    // The upstream made this one high.
    {
      name: 'resolved, classified critical is low',
      status: 'resolved',
      classified: 'critical',
      want: 'low',
    },
    { name: 'firing info label', status: 'firing', label: 'info', want: 'low' },
    { name: 'firing Info label', status: 'firing', label: 'Info', want: 'low' },
    { name: 'firing warning', status: 'firing', label: 'warning', want: 'medium' },
    { name: 'firing without severity', status: 'firing', want: 'medium' },
    {
      name: 'firing info label, classified critical',
      status: 'firing',
      label: 'info',
      classified: 'critical',
      want: 'high',
    },
    {
      name: 'firing warning, classified info',
      status: 'firing',
      label: 'warning',
      classified: 'info',
      want: 'medium',
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.want}`, () => {
      const alert = anAlert(c.label === undefined ? {} : { severity: c.label }, {
        status: c.status,
      });
      const classification =
        c.classified === undefined ? undefined : aClassification({ severity: c.classified });
      assert.equal(priorityOf(alert, classification), c.want);
    });
  }
});
