/** The word that confirms closing an account: exactly as shown, in capital letters. */
export const DELETE_WORD = "DELETE";

/** Whether what was typed confirms the deletion (spaces around it are ignored, case is not). */
export function confirmsDeletion(typed: string): boolean {
  return typed.trim() === DELETE_WORD;
}
