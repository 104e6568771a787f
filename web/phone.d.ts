/** Types for web/phone.js (plain JS, served to the browser as is). */
export function normalizePhone(input: unknown): string | null;
export function formatPhone(digits: string): string;
