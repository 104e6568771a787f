/** One tool call as the turn keeps it: the store saves it, the tools read earlier ones back. */
export interface ToolCallRecord {
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  result: Record<string, unknown>;
  ms: number;
}
