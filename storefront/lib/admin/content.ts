import type { ContentDraft } from "@/components/admin/content-editor";
import { portableTextToMarkdown } from "./markdown";

/** The fields the admin shows of a Sanity-shaped document (unknown shapes read as empty). */
export function draftOf(doc: Record<string, unknown>): ContentDraft {
  const str = (value: unknown) => (typeof value === "string" ? value : "");
  const slug = doc.slug && typeof doc.slug === "object" ? str((doc.slug as { current?: unknown }).current) : "";
  const { markdown, skipped } = portableTextToMarkdown(doc.body);
  return {
    id: str(doc._id),
    rev: str(doc._rev),
    type: doc._type === "page" ? "page" : "post",
    title: str(doc.title),
    slug,
    excerpt: str(doc.excerpt),
    markdown,
    skipped,
  };
}

export const EDITABLE_TYPES = ["post", "page"] as const;
export type EditableType = (typeof EDITABLE_TYPES)[number];
