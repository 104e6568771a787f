import type { YcRecord, YcRecordInput } from "./types.js";

/**
 * A `PUT /record/{cid}/{rid}` body that changes only `change`: YClients documents the PUT body as the POST's, with
 * staff, services, client, time and length required, so the rest is carried over from the record as it stands.
 * `send_sms: false`: an edit made for the salon's journal must not text the client.
 */
export function recordUpdateBody(record: YcRecord, change: Partial<YcRecordInput>): YcRecordInput {
  return {
    staff_id: record.staff_id,
    services: record.services.map((s) => ({ id: s.id, first_cost: s.first_cost, discount: s.discount, cost: s.cost, amount: s.amount })),
    client: { phone: record.client?.phone ?? "", name: record.client?.name ?? "" },
    datetime: record.datetime,
    seance_length: record.seance_length,
    save_if_busy: true,
    send_sms: false,
    comment: record.comment ?? "",
    attendance: record.attendance,
    ...change,
  };
}
