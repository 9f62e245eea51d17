/**
 * The product import's rules shared by the page (client) and its route handler
 * (`app/api/admin/products/import`, ADR 0065): the size limit, the file's format, and the form
 * state an API answer becomes. Pure: no server-only imports.
 */
import type { Problem, Schema } from "@/lib/api/types";
import type { AdminFormState } from "./state";

/** The API's upload limit (`MAX_UPLOAD_BYTES` in backend/src/mercato/main.py): 20 MiB. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** Room for the multipart envelope around the file (boundaries, headers, the partial field). */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export const TOO_LARGE_MESSAGE = `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB, the most the shop imports at once. Split it into smaller files, or use the command line (mercato catalog import).`;

export const NO_FILE_MESSAGE = "Choose a CSV or JSON file.";

export type ImportFormat = "csv" | "json";

/** JSON when the file says so by its name or type; CSV otherwise (the export's default). */
export function importFormat(name: string, type: string): ImportFormat {
  if (/\.json$/i.test(name.trim())) return "json";
  if (/\.csv$/i.test(name.trim())) return "csv";
  return /(^|[/+])json\b/i.test(type) ? "json" : "csv";
}

export function isImportReport(body: unknown): body is Schema<"ImportReport"> {
  if (!body || typeof body !== "object") return false;
  const b = body as Record<string, unknown>;
  return Array.isArray(b.errors) && typeof b.total_rows === "number";
}

/** "2 categories and 1 collection created" (empty when the file created none). */
function refsCreated(report: Schema<"ImportReport">): string {
  const parts: string[] = [];
  const categories = report.categories_created ?? 0;
  const collections = report.collections_created ?? 0;
  if (categories) parts.push(`${categories} ${categories === 1 ? "category" : "categories"}`);
  if (collections) parts.push(`${collections} ${collections === 1 ? "collection" : "collections"}`);
  return parts.length ? `; ${parts.join(" and ")} created` : "";
}

/** The form state for an import report the API answered (200, or 422 with its rows). */
export function reportState(ok: boolean, body: Schema<"ImportReport">): AdminFormState {
  const report: Schema<"ImportReport"> = {
    total_rows: body.total_rows,
    created: body.created,
    updated: body.updated,
    skipped: body.skipped,
    errors: body.errors,
    written: body.written,
    categories_created: body.categories_created ?? 0,
    collections_created: body.collections_created ?? 0,
  };
  if (!ok || (report.errors.length && !report.written)) {
    return { status: "error", code: "import_invalid", message: `${report.errors.length} row error(s); nothing was written.`, report };
  }
  return {
    status: "success",
    message: `Imported: ${report.created} created, ${report.updated} updated, ${report.skipped} skipped${refsCreated(report)}.`,
    report,
  };
}

/** A problem from the route handler (or the API) as the page shows it. */
export function problemFormState(problem: Problem, status: number): AdminFormState {
  if (status === 413 || problem.code === "file_too_large" || problem.code === "payload_too_large") {
    return { status: "error", code: "file_too_large", message: TOO_LARGE_MESSAGE, fieldErrors: { file: TOO_LARGE_MESSAGE } };
  }
  if (status === 401) return { status: "error", code: "not_authenticated", message: "Your session has ended. Please sign in again." };
  if (status === 403 && problem.code === "csrf_refused") return { status: "error", code: "csrf_refused", message: problem.detail ?? "Cross-site request refused." };
  if (status === 403) return { status: "error", code: "forbidden", message: "Your role does not allow this." };
  const message = problem.detail || problem.title || "The import failed. Try again.";
  const fieldErrors = problem.code === "no_file" ? { file: message } : undefined;
  return { status: "error", code: problem.code, message, fieldErrors };
}

const UNREACHABLE_MESSAGE = "We could not reach the shop's API. Try again.";

/** Messages a plain form post's outcome may name by code (never free text from the query). */
const MESSAGES: Record<string, string> = {
  file_too_large: TOO_LARGE_MESSAGE,
  no_file: NO_FILE_MESSAGE,
  not_authenticated: "Your session has ended. Please sign in again.",
  forbidden: "Your role does not allow this.",
  unreachable: UNREACHABLE_MESSAGE,
};

type Search = Record<string, string | string[] | undefined>;

function count(search: Search, name: string): number {
  const value = search[name];
  const n = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  return n;
}

/**
 * The outcome of a post without script, for the redirect back to the page: the report's counts or
 * the problem's code, so a crafted link can show only the page's own messages.
 */
export function outcomeQuery(state: AdminFormState): URLSearchParams {
  const query = new URLSearchParams({ status: state.status });
  const report = state.report;
  if (report) {
    for (const [name, value] of [
      ["created", report.created],
      ["updated", report.updated],
      ["skipped", report.skipped],
      ["categories", report.categories_created ?? 0],
      ["collections", report.collections_created ?? 0],
      ["rows", report.errors.length],
    ] as const) {
      query.set(name, String(value));
    }
  } else if (state.code) {
    query.set("code", state.code);
  }
  return query;
}

/** The state `outcomeQuery` describes (idle when the query is not one). */
export function outcomeState(search: Search): AdminFormState {
  const status = search.status;
  if (status === "success" && typeof search.created === "string") {
    return reportState(true, {
      total_rows: 0,
      created: count(search, "created"),
      updated: count(search, "updated"),
      skipped: count(search, "skipped"),
      errors: [],
      written: true,
      categories_created: count(search, "categories"),
      collections_created: count(search, "collections"),
    });
  }
  if (status !== "error") return { status: "idle" };
  if (typeof search.rows === "string") {
    return { status: "error", code: "import_invalid", message: `${count(search, "rows")} row error(s); nothing was written.` };
  }
  const code = typeof search.code === "string" ? search.code : "";
  const message = MESSAGES[code] ?? "The import was refused. Try again with script enabled to see why.";
  const fieldErrors = code === "file_too_large" || code === "no_file" ? { file: message } : undefined;
  return { status: "error", code: code || undefined, message, fieldErrors };
}
