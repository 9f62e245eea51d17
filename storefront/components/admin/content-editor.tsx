"use client";
import { ActionForm } from "@/components/admin/action-form";
import { AdminField } from "@/components/admin/fields";
import { deleteContentDocument, saveContentDocument } from "@/lib/admin/actions";

export interface ContentDraft {
  id: string;
  rev: string;
  type: "post" | "page";
  title: string;
  slug: string;
  excerpt: string;
  markdown: string;
  /** body blocks the Markdown editor cannot show (images…); kept on save */
  skipped: number;
}

const HELP =
  "Markdown: a blank line starts a new paragraph; # Heading, ## Smaller heading, - list item, **bold**, *italic*, [link text](https://…). Links may be http(s), mailto or paths such as /blog.";

/** The local editor of one post or page (title, slug, excerpt for posts, Markdown body). */
export function ContentEditor({ draft }: { draft: ContentDraft }) {
  const noun = draft.type === "post" ? "post" : "page";
  return (
    <ActionForm
      action={saveContentDocument}
      hidden={{ id: draft.id, rev: draft.rev, type: draft.type }}
      submit={draft.id ? `Save ${noun}` : `Create ${noun}`}
      pending="Saving…"
      label={draft.id ? `Edit ${noun}` : `New ${noun}`}
    >
      {(state) => (
        <>
          <AdminField id="content-title" label="Title" error={state.fieldErrors?.title}>
            {(p) => <input {...p} name="title" required maxLength={300} defaultValue={state.values?.title ?? draft.title} />}
          </AdminField>
          <AdminField id="content-slug" label="Slug" hint={`Lowercase words joined by hyphens; the address is ${draft.type === "post" ? "/blog/" : "/pages/"}<slug>.`} error={state.fieldErrors?.slug}>
            {(p) => <input {...p} name="slug" required maxLength={200} pattern="[a-z0-9]+(-[a-z0-9]+)*" defaultValue={state.values?.slug ?? draft.slug} />}
          </AdminField>
          {draft.type === "post" ? (
            <AdminField id="content-excerpt" label="Excerpt" hint="One or two sentences shown in the blog list.">
              {(p) => <textarea {...p} name="excerpt" rows={2} maxLength={1000} defaultValue={state.values?.excerpt ?? draft.excerpt} />}
            </AdminField>
          ) : null}
          <AdminField
            id="content-body"
            label="Body"
            hint={draft.skipped > 0 ? `${HELP} This body also has ${draft.skipped} image(s) or other blocks that are kept, after the text.` : HELP}
          >
            {(p) => <textarea {...p} name="body" rows={16} className={`${p.className} font-mono text-sm`} defaultValue={state.values?.body ?? draft.markdown} />}
          </AdminField>
        </>
      )}
    </ActionForm>
  );
}

/** Delete with a confirmation box; the API refuses it (412) when the document changed meanwhile. */
export function DeleteContent({ draft }: { draft: ContentDraft }) {
  const noun = draft.type === "post" ? "post" : "page";
  return (
    <ActionForm
      action={deleteContentDocument}
      hidden={{ id: draft.id, rev: draft.rev, type: draft.type, slug: draft.slug }}
      submit={`Delete ${noun}`}
      pending="Deleting…"
      variant="danger"
      label={`Delete ${noun}`}
    >
      <div className="flex items-center gap-2">
        <input id="content-delete-confirm" type="checkbox" name="confirm" value="yes" required className="h-4 w-4" />
        <label htmlFor="content-delete-confirm" className="text-sm">
          Yes, delete &ldquo;{draft.title}&rdquo; for good
        </label>
      </div>
    </ActionForm>
  );
}
