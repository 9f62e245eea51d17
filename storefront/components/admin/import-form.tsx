"use client";
import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { importProducts } from "@/lib/admin/actions";
import { initialAdminState } from "@/lib/admin/state";
import { AdminField, tableClass, tdClass, thClass } from "./fields";

/** CSV import: the API validates every row; the errors are listed per row and field. */
export function ImportForm() {
  const [state, action] = useActionState(importProducts, initialAdminState);
  const report = state.report;
  return (
    <div className="flex flex-col gap-4">
      <form action={action} className="flex flex-col gap-3" aria-label="Import products from CSV">
        <AdminField id="import-file" label="CSV file" hint="The same columns as the export. Categories and collections the file describes are created if the shop lacks them; a category named by its slug alone must exist. Nothing is written if any row is invalid, unless you allow a partial import." error={state.fieldErrors?.file}>
          {(p) => <input {...p} name="file" type="file" accept=".csv,text/csv" required />}
        </AdminField>
        <div className="flex items-center gap-2">
          <input id="import-partial" name="partial" type="checkbox" className="h-4 w-4" />
          <label htmlFor="import-partial" className="text-sm">
            Import the valid rows even if some rows have errors
          </label>
        </div>
        <FormMessage state={state} />
        <div>
          <SubmitButton pendingLabel="Importing…">Import CSV</SubmitButton>
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
