import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { ActionForm } from "@/components/admin/action-form";
import { EmptyState, ErrorNote, PageHeading, Section, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { replayDeadTask, verifyBackup } from "@/lib/admin/actions";
import { byteSize, statusLabel, utcMinute } from "@/lib/admin/format";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import type { Schema } from "@/lib/api/types";
import { apiUrl } from "@/lib/config";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Operations", alternates: { canonical: "/admin/operations" } };

type Checks = Record<string, string>;

/** GET /readyz of the API: each dependency ok or unavailable (503 when any is down). */
async function readiness(): Promise<{ checks: Checks; reachable: boolean }> {
  try {
    const response = await fetch(`${apiUrl()}/readyz`, { cache: "no-store", signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { checks?: Checks };
    return { checks: body.checks ?? {}, reachable: true };
  } catch {
    return { checks: {}, reachable: false };
  }
}

export default async function OperationsPage({ searchParams }: PageProps<"/admin/operations">) {
  await requireStaff("/admin/operations");
  const cursor = one((await searchParams) as Params, "cursor");
  const api = await sessionApi();
  const [health, providers, dead, backups] = await Promise.all([
    readiness(),
    api.GET("/api/v1/admin/providers"),
    api.GET("/api/v1/admin/tasks/dead", { params: { query: { cursor, limit: 25 } } }),
    api.GET("/api/v1/admin/backups"),
  ]);
  return (
    <>
      <PageHeading title="Operations" />
      <div className="flex flex-col gap-6">
        <Section title="Health">
          {!health.reachable ? (
            <ErrorNote message="The API did not answer its readiness check." />
          ) : (
            <ul className="grid gap-2 sm:grid-cols-3">
              {Object.entries(health.checks).map(([name, state]) => (
                <li key={name} className="rounded-md border border-gray-200 p-3">
                  <span className="font-medium capitalize">{name}</span>:{" "}
                  <span className={state === "ok" ? "text-green-800" : "font-semibold text-red-700"}>{state === "ok" ? "OK" : "Unavailable"}</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Providers">
          {!providers.data ? (
            <ErrorNote message={problemMessage(asProblem(providers.error, providers.response.status))} />
          ) : (
            <div className="overflow-x-auto" tabIndex={0}>
              <table className={tableClass}>
                <caption className="sr-only">Providers: which one serves each role, as this API process sees it</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>Role</th>
                    <th scope="col" className={thClass}>Provider</th>
                    <th scope="col" className={thClass}>State</th>
                    <th scope="col" className={thClass}>What it means</th>
                  </tr>
                </thead>
                <tbody>
                  {providers.data.items.map((p) => (
                    <tr key={p.role}>
                      <td className={tdClass}>{p.role}</td>
                      <td className={tdClass}>
                        {p.provider}
                        {p.external ? "" : " (built in)"}
                      </td>
                      <td className={`${tdClass} ${PROVIDER_TONE[p.state] ?? ""}`}>{PROVIDER_STATE[p.state] ?? p.state}</td>
                      <td className={tdClass}>{p.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
        <Section title="Dead-letter tasks">
          {!dead.data ? (
            <ErrorNote message={problemMessage(asProblem(dead.error, dead.response.status))} />
          ) : dead.data.items.length === 0 ? (
            <EmptyState>No failed tasks. Everything the worker was asked to do got done.</EmptyState>
          ) : (
            <div className="overflow-x-auto" tabIndex={0}>
              <table className={tableClass}>
                <caption className="sr-only">Tasks that exhausted their retries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>Failed (UTC)</th>
                    <th scope="col" className={thClass}>Task</th>
                    <th scope="col" className={thClass}>Error</th>
                    <th scope="col" className={thClass}>Replay</th>
                  </tr>
                </thead>
                <tbody>
                  {dead.data.items.map((t) => (
                    <tr key={t.id}>
                      <td className={tdClass}>{utcMinute(t.failed_at)}</td>
                      <td className={tdClass}>{t.task_name}</td>
                      <td className={tdClass}>
                        <code className="break-all text-xs">{t.error}</code>
                      </td>
                      <td className={tdClass}>
                        <ActionForm action={replayDeadTask} hidden={{ dead_letter_id: t.id }} submit={`Replay ${t.task_name}`} pending="Publishing…" variant="secondary" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {dead.data?.next_cursor ? (
            <p className="mt-3">
              <Link href={hrefWith("/admin/operations", { cursor: dead.data.next_cursor })} className={secondaryLink}>
                Older failures
              </Link>
            </p>
          ) : null}
        </Section>
        <Backups overview={backups.data} error={backups.data ? null : problemMessage(asProblem(backups.error, backups.response.status))} />
      </div>
    </>
  );
}

type BackupOverview = Schema<"BackupOverviewRead">;

const PROVIDER_STATE: Record<string, string> = {
  built_in: "OK",
  ok: "OK",
  open: "Failing",
  half_open: "Recovering",
  unused: "Not called yet",
  unmonitored: "Not monitored here",
};
const PROVIDER_TONE: Record<string, string> = { built_in: "text-green-800", ok: "text-green-800", open: "font-semibold text-red-700", half_open: "text-amber-800" };

const VERIFICATION_TONE: Record<string, string> = {
  passed: "text-green-800",
  failed: "font-semibold text-red-700",
  interrupted: "font-semibold text-red-700",
};

function when(iso: string | null | undefined): string {
  return iso ? `${utcMinute(iso)} UTC` : "never";
}

/** The stored backups, what the nightly job last did, and "verify now" (run by the worker). */
function Backups({ overview, error }: { overview: BackupOverview | undefined; error: string | null }) {
  if (!overview) {
    return (
      <Section title="Backups">
        <ErrorNote message={error ?? "The backups could not be listed."} />
      </Section>
    );
  }
  const { status } = overview;
  return (
    <Section title="Backups">
      <div className="flex flex-col gap-4">
        {!overview.configured ? (
          <ErrorNote message={`Backups cannot run: ${overview.problem ?? "they are not configured"}. See "Backups and disaster recovery" in docs/operations.md.`} />
        ) : null}
        {overview.storage_error ? <ErrorNote message={overview.storage_error} /> : null}
        <dl className="grid gap-2 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-muted">Stored in</dt>
            <dd className="break-all">{overview.storage}</dd>
          </div>
          <div>
            <dt className="text-muted">Schedule</dt>
            <dd>{overview.schedule_enabled ? `Every night at ${String(overview.schedule_hour_utc).padStart(2, "0")}:00 UTC (backup, verify, prune)` : "Off: backups run only from the command line"}</dd>
          </div>
          <div>
            <dt className="text-muted">Last good backup</dt>
            <dd>{when(status.last_success_at)}</dd>
          </div>
          <div>
            <dt className="text-muted">Last good verification</dt>
            <dd>{when(status.last_verify_success_at)}</dd>
          </div>
          {status.last_failure ? (
            <div className="sm:col-span-2">
              <dt className="text-muted">Last failure</dt>
              <dd className="text-red-700">
                {status.last_failure.stage === "create" ? "Backup" : "Verification"} at {when(status.last_failure.at)}
                {status.last_failure.error ? `: ${status.last_failure.error}` : ""} ({status.create_failures} backup and {status.verify_failures} verification
                failures in all)
              </dd>
            </div>
          ) : null}
        </dl>
        {overview.backups.length === 0 ? (
          <EmptyState>
            No backups yet. {overview.schedule_enabled ? `The first one is made at ${String(overview.schedule_hour_utc).padStart(2, "0")}:00 UTC, or now` : "Make one"}{" "}
            with <code>mercato backup create</code> on the server.
          </EmptyState>
        ) : (
          <div className="overflow-x-auto" tabIndex={0}>
            <table className={tableClass}>
              <caption className="sr-only">Stored backups, newest first</caption>
              <thead>
                <tr>
                  <th scope="col" className={thClass}>Created (UTC)</th>
                  <th scope="col" className={thClass}>Backup</th>
                  <th scope="col" className={thClass}>Database</th>
                  <th scope="col" className={thClass}>Rows</th>
                  <th scope="col" className={thClass}>Media files</th>
                  <th scope="col" className={thClass}>Size</th>
                  <th scope="col" className={thClass}>Verify</th>
                </tr>
              </thead>
              <tbody>
                {overview.backups.map((b) => (
                  <tr key={b.id}>
                    <td className={tdClass}>{utcMinute(b.created_at)}</td>
                    <td className={tdClass}>
                      <code className="break-all text-xs">{b.id}</code>
                    </td>
                    <td className={tdClass}>{b.db_kind}</td>
                    <td className={tdClass}>{b.rows.toLocaleString("en")}</td>
                    <td className={tdClass}>{b.media_files === null ? "not included" : b.media_files.toLocaleString("en")}</td>
                    <td className={tdClass}>{byteSize(b.size_bytes)}</td>
                    <td className={tdClass}>
                      {overview.configured ? (
                        <ActionForm action={verifyBackup} hidden={{ backup_id: b.id }} submit={`Verify ${b.id} now`} pending="Queueing…" variant="secondary" />
                      ) : (
                        <span className="text-muted">Not configured</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {overview.verifications.length > 0 ? (
          <div className="overflow-x-auto" tabIndex={0}>
            <table className={tableClass}>
              <caption className="text-left font-semibold">Recent verifications</caption>
              <thead>
                <tr>
                  <th scope="col" className={thClass}>Requested (UTC)</th>
                  <th scope="col" className={thClass}>Backup</th>
                  <th scope="col" className={thClass}>Status</th>
                  <th scope="col" className={thClass}>Result</th>
                </tr>
              </thead>
              <tbody>
                {overview.verifications.map((v) => (
                  <tr key={v.id}>
                    <td className={tdClass}>{utcMinute(v.requested_at)}</td>
                    <td className={tdClass}>
                      <code className="break-all text-xs">{v.backup_id}</code>
                    </td>
                    <td className={`${tdClass} ${VERIFICATION_TONE[v.status] ?? ""}`}>{statusLabel(v.status)}</td>
                    <td className={tdClass}>
                      {v.status === "passed"
                        ? `${v.tables_checked ?? 0} tables and ${(v.rows_checked ?? 0).toLocaleString("en")} rows match the backup's manifest`
                        : v.error ?? (v.status === "running" ? `Restoring into a scratch database since ${when(v.started_at)}` : "Waiting for the worker")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </Section>
  );
}
