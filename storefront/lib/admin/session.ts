import "server-only";
import { redirect } from "next/navigation";
import type { UserRead } from "@/lib/api/types";
import { getSession } from "@/lib/session/session";
import { isStaff } from "./roles";

/**
 * The signed-in staff member or admin. A visitor is sent to sign-in (coming back to `path`);
 * a customer to `/admin/forbidden`. The API checks the role again on every call.
 */
export async function requireStaff(path: string): Promise<UserRead> {
  const session = await getSession();
  if (!session) redirect(`/account/sign-in?next=${encodeURIComponent(path)}`);
  if (!isStaff(session.user.role)) redirect("/admin/forbidden");
  return session.user;
}
