/** Types for web/phone.js (plain JS, served to the browser as is). */
export function normalizePhone(input: unknown, country: { code: string; national: number[]; trunk: string | null }): string | null;
export function formatPhone(digits: string): string;
