import { describe, expect, it } from "vitest";
import { importFormat, isImportReport, MAX_IMPORT_BYTES, outcomeQuery, outcomeState, problemFormState, reportState, TOO_LARGE_MESSAGE } from "./import";

const report = { total_rows: 3, created: 2, updated: 1, skipped: 0, errors: [], written: true, categories_created: 0, collections_created: 0 };

describe("importFormat", () => {
  it("reads JSON from the name or the type, CSV otherwise", () => {
    expect(importFormat("products.json", "")).toBe("json");
    expect(importFormat("PRODUCTS.JSON", "application/octet-stream")).toBe("json");
    expect(importFormat("feed", "application/json")).toBe("json");
    expect(importFormat("products.csv", "application/json")).toBe("csv");
    expect(importFormat("products.csv", "text/csv")).toBe("csv");
    expect(importFormat("export", "")).toBe("csv");
  });
});

describe("reportState", () => {
  it("says what was created, updated and skipped", () => {
    expect(reportState(true, report).message).toBe("Imported: 2 created, 1 updated, 0 skipped.");
  });

  it("adds the categories and collections the file created", () => {
    expect(reportState(true, { ...report, categories_created: 3, collections_created: 1 }).message).toBe(
      "Imported: 2 created, 1 updated, 0 skipped; 3 categories and 1 collection created.",
    );
    expect(reportState(true, { ...report, categories_created: 1 }).message).toBe("Imported: 2 created, 1 updated, 0 skipped; 1 category created.");
    expect(reportState(true, { ...report, collections_created: 2 }).message).toBe("Imported: 2 created, 1 updated, 0 skipped; 2 collections created.");
  });

  it("is an error when rows were refused and nothing was written", () => {
    const state = reportState(false, { ...report, created: 0, updated: 0, written: false, errors: [{ row: 2, field: "sku", message: "taken" }] });
    expect(state).toMatchObject({ status: "error", message: "1 row error(s); nothing was written." });
    expect(state.report?.errors).toHaveLength(1);
  });
});

describe("isImportReport", () => {
  it("tells a report from a problem", () => {
    expect(isImportReport(report)).toBe(true);
    expect(isImportReport({ status: 403, code: "forbidden" })).toBe(false);
    expect(isImportReport(undefined)).toBe(false);
  });
});

describe("problemFormState", () => {
  it("puts a file over the limit at the file field", () => {
    const state = problemFormState({ code: "file_too_large" }, 413);
    expect(state.fieldErrors?.file).toBe(TOO_LARGE_MESSAGE);
    expect(TOO_LARGE_MESSAGE).toContain(`${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
  });

  it("refuses a customer and a cross-site post with their own words", () => {
    expect(problemFormState({ code: "forbidden" }, 403).message).toBe("Your role does not allow this.");
    expect(problemFormState({ code: "csrf_refused", detail: "This request did not come from the shop's own pages (Sec-Fetch-Site: cross-site)." }, 403).message).toContain(
      "did not come from the shop's own pages",
    );
    expect(problemFormState({}, 401).code).toBe("not_authenticated");
  });
});

describe("outcomeQuery and outcomeState (a post without script)", () => {
  const back = (query: URLSearchParams) => outcomeState(Object.fromEntries(query));

  it("carry a report's counts back to the page", () => {
    const state = reportState(true, { ...report, categories_created: 2, collections_created: 1 });
    expect(back(outcomeQuery(state))).toMatchObject({ status: "success", message: state.message });
    const invalid = reportState(false, { ...report, written: false, errors: [{ row: 2, field: null, message: "x" }, { row: 3, field: null, message: "y" }] });
    expect(back(outcomeQuery(invalid))).toMatchObject({ status: "error", message: "2 row error(s); nothing was written." });
  });

  it("carry a refusal by its code, at the file field when it is the file's", () => {
    const state = back(outcomeQuery(problemFormState({ code: "file_too_large" }, 413)));
    expect(state).toMatchObject({ status: "error", code: "file_too_large", message: TOO_LARGE_MESSAGE, fieldErrors: { file: TOO_LARGE_MESSAGE } });
    expect(back(outcomeQuery(problemFormState({}, 403))).message).toBe("Your role does not allow this.");
  });

  it("never show text from the link itself", () => {
    expect(outcomeState({ status: "error", message: "Call +1 555 0100 to verify your account", code: "<b>phish</b>" }).message).toBe(
      "The import was refused. Try again with script enabled to see why.",
    );
    expect(outcomeState({ status: "success", created: "1e9", updated: "x" }).message).toBe("Imported: 0 created, 0 updated, 0 skipped.");
    expect(outcomeState({})).toEqual({ status: "idle" });
  });
});
