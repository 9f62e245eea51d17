"use client";
import { useState, useTransition, type FormEvent } from "react";
import { FormMessage } from "@/components/account/form-parts";
import { MAX_IMPORT_BYTES, NO_FILE_MESSAGE, problemFormState, TOO_LARGE_MESSAGE } from "@/lib/admin/import";
import { initialAdminState, type AdminFormState } from "@/lib/admin/state";
import type { Problem } from "@/lib/api/types";
import { AdminField, tableClass, tdClass, thClass } from "./fields";

const IMPORT_ROUTE = "/api/admin/products/import";
const UNREACHABLE: AdminFormState = { status: "error", code: "unreachable", message: "We could not reach the shop. Try again." };

/** The route's answer as the form's state: the state itself, or a problem carrying one. */
async function stateOf(response: Response): Promise<AdminFormState> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!body || typeof body !== "object") return response.ok ? UNREACHABLE : problemFormState({}, response.status);
  const b = body as Record<string, unknown>;
  if (b.state && typeof b.state === "object") return b.state as AdminFormState;
  if (response.ok && (b.status === "success" || b.status === "error")) return body as AdminFormState;
  return problemFormState(body as Problem, response.status);
}

/**
 * CSV or JSON import through a route handler (a server action takes at most 1 MB; ADR 0065).
 * With script the form posts by fetch and shows the report in place; without, it is a plain
 * multipart post and the route sends the browser back here with the outcome (`initial`).
 * The API validates every row; the errors are listed per row and field.
 */
export function ImportForm({ initial = initialAdminState }: { initial?: AdminFormState }) {
  const [state, setState] = useState<AdminFormState>(initial);
  const [pending, startTransition] = useTransition();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const file = form.get("file");
    if (!(file instanceof File) || file.size === 0) {
      setState({ status: "error", code: "no_file", message: NO_FILE_MESSAGE, fieldErrors: { file: NO_FILE_MESSAGE } });
      return;
    }
    if (file.size > MAX_IMPORT_BYTES) {
      setState({ status: "error", code: "file_too_large", message: TOO_LARGE_MESSAGE, fieldErrors: { file: TOO_LARGE_MESSAGE } });
      return;
    }
    startTransition(async () => {
      try {
        const response = await fetch(IMPORT_ROUTE, { method: "POST", body: form, headers: { Accept: "application/json" }, cache: "no-store" });
        const next = await stateOf(response);
        startTransition(() => setState(next));
      } catch {
        startTransition(() => setState(UNREACHABLE));
      }
    });
  }

  const report = state.report;
  return (
    <div className="flex flex-col gap-4">
      <form action={IMPORT_ROUTE} method="post" encType="multipart/form-data" onSubmit={submit} className="flex flex-col gap-3" aria-label="Import products from CSV or JSON">
        <AdminField id="import-file" label="CSV or JSON file" hint="The same columns as the export (or the JSON export), up to 20 MB. Categories and collections the file describes are created if the shop lacks them; a category named by its slug alone must exist. Nothing is written if any row is invalid, unless you allow a partial import." error={state.fieldErrors?.file}>
          {(p) => <input {...p} name="file" type="file" accept=".csv,text/csv,.json,application/json" required />}
        </AdminField>
        <div className="flex items-center gap-2">
          <input id="import-partial" name="partial" type="checkbox" className="h-4 w-4" />
          <label htmlFor="import-partial" className="text-sm">
            Import the valid rows even if some rows have errors
          </label>
        </div>
        <FormMessage state={state} />
        <div>
          <button type="submit" disabled={pending} aria-busy={pending} className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60 sm:w-auto">
            {pending ? "Importing…" : "Import file"}
          </button>
        </div>
      </form>
      {report && report.errors.length > 0 ? (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="mb-2 text-left font-semibold">Row errors ({report.errors.length})</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>Row</th>
                <th scope="col" className={thClass}>Field</th>
                <th scope="col" className={thClass}>Problem</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((e, i) => (
                <tr key={`${e.row}-${e.field}-${i}`}>
                  <td className={tdClass}>{e.row}</td>
                  <td className={tdClass}>{e.field ?? "—"}</td>
                  <td className={tdClass}>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
