"use client";

/**
 * PLACEHOLDER (phase 2a, catalog): the real RecordView (recently viewed, phase 2c) replaces this
 * file at merge; same signature. Renders nothing and records nothing.
 */
export function RecordView(props: { slug: string }) {
  void props;
  return null;
}
