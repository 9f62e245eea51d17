/** Roles that may open /admin, and what each may do there (the API enforces the same rules). */
export function isStaff(role: string | undefined | null): boolean {
  return role === "staff" || role === "admin";
}

/** Changing a customer's role or activation is admin-only (PATCH /admin/customers/{id}). */
export function canManageAccounts(role: string | undefined | null): boolean {
  return role === "admin";
}
