-- Which Rootly alert was opened for each (target, alert fingerprint), so a resolve finds it
-- after a restart. Rows are removed when the alert is resolved.
CREATE TABLE rootly_alerts (
  target_name     text        NOT NULL,
  fingerprint     text        NOT NULL,
  rootly_alert_id text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_name, fingerprint)
);
