/**
 * The sandbox's demo salon, generated from the salon id alone, so any test can use any salon id and get the same
 * salon every time (given the same "today"). Public API: `generateSalon(salonId, opts, now)` → `SalonData`;
 * `scheduleFor(staff, date)` → the working slots of a master on a day; `recordWire(...)` builds a full
 * `YcRecord` from the compact form the sandbox keeps.
 *
 * Ids embed the salon id (staff `salonId*100+i`, services `salonId*1000+i`, clients and records
 * `salonId*100000+i`), so a mix-up between salons shows up as a wrong id, not as plausible data.
 */
import { addDays, isoCompactOffset, isoWithOffset, localDate, localDateTime, offsetMinutes, parseYcDateTime, weekday } from "../../lib/yclients/time.js";
import type { YcClient, YcCompany, YcCompanyUser, YcRecord, YcService, YcServiceCategory, YcStaff, YcTimeSlot } from "../../lib/yclients/types.js";

export interface SalonOptions {
  /** How many clients the salon has. Default 120. */
  clients?: number;
  /** How many records (including a few deleted ones). Default 60. */
  records?: number;
  /** Records fall on days `from`…`to` relative to today (inclusive). Default -7…60. */
  recordDays?: { from: number; to: number };
  /** Share of generated records that are deleted (visible only with_deleted=1). Default 0.03. */
  deletedShare?: number;
  /** IANA zone of the salon. Default Europe/Moscow. */
  timezone?: string;
}

export interface FakeClient {
  id: number;
  name: string;
  phone: string;
  email: string;
  discount: number;
  sold_amount: number;
  visits_count: number;
  first_visit_date: string | null;
  last_visit_date: string | null;
  /** Y-m-d, or null when YClients has none; the deprecated `GET /clients/{cid}` listing shows it. */
  birth_date: string | null;
}

/** What the sandbox keeps per record; the wire object is built from it on every read. */
export interface FakeRecord {
  id: number;
  staffId: number;
  serviceIds: number[];
  clientId: number | null;
  start: Date;
  lengthSec: number;
  attendance: number;
  deleted: boolean;
  comment: string;
  online: boolean;
  apiId: string;
  createdAt: Date;
  changedAt: Date;
  recordHash: string | null;
  visitId: number;
}

export interface SalonData {
  salonId: number;
  timezone: string;
  company: YcCompany;
  categories: YcServiceCategory[];
  services: YcService[];
  staff: YcStaff[];
  clients: FakeClient[];
  records: FakeRecord[];
  /** `company_users`: the owner (an administrator: settings rights) and a receptionist (journal only). */
  users: YcCompanyUser[];
  /** Next ids for things created later. */
  nextClientId: number;
  nextRecordId: number;
}

/** mulberry32: small, fast, good enough for believable demo data. */
/**
 * A salon's client numbers as administrators type them into YClients, which keeps them as typed: "+79…" mostly,
 * and among every ten clients one "8 (9xx) …", one "+7 9xx …", one bare ten digits and one foreign (Belarusian).
 * `national` is the ten digits after +7.
 */
export function asTyped(i: number, national: string): string {
  const [a, b, c, d] = [national.slice(0, 3), national.slice(3, 6), national.slice(6, 8), national.slice(8, 10)];
  switch (i % 10) {
    case 1: return `8 (${a}) ${b}-${c}-${d}`;
    case 2: return `+7 ${a} ${b}-${c}-${d}`;
    case 3: return national;
    case 4: return `+375 29 ${b}-${c}-${d}`;
    default: return `+7${national}`;
  }
}

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const SALON_NAMES = ["Лаванда", "Белла", "Шарм", "Гармония", "Аврора", "Мята", "Бархат", "Орхидея", "Соло", "Эстет"];
const STREETS = ["Тверская", "Арбат", "Большая Никитская", "Покровка", "Сретенка", "Маросейка", "Пятницкая", "Лесная"];
const FEMALE_FIRST = ["Анна", "Мария", "Екатерина", "Ольга", "Татьяна", "Елена", "Наталья", "Ирина", "Светлана", "Юлия", "Дарья", "Алина", "Виктория", "Ксения", "Полина"];
const MALE_FIRST = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Иван", "Михаил", "Никита", "Артём"];
const LAST = ["Смирнов", "Иванов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Лебедев", "Козлов", "Егоров"];

const CATEGORIES: Array<{ title: string; weight: number }> = [
  { title: "Стрижки и укладки", weight: 100 },
  { title: "Окрашивание", weight: 90 },
  { title: "Ногтевой сервис", weight: 80 },
  { title: "Брови и ресницы", weight: 70 },
  { title: "Уход за лицом", weight: 60 },
];

// [category index, title, price min, price max, minutes]
const SERVICES: Array<[number, string, number, number, number]> = [
  [0, "Женская стрижка", 2500, 3500, 60], [0, "Мужская стрижка", 1500, 1500, 45], [0, "Детская стрижка", 1000, 1000, 30],
  [0, "Укладка", 1800, 2500, 45], [0, "Стрижка чёлки", 500, 500, 15],
  [1, "Окрашивание в один тон", 4500, 6500, 120], [1, "Мелирование", 5500, 8000, 150], [1, "Тонирование", 3000, 4000, 90],
  [1, "AirTouch", 9000, 12000, 180],
  [2, "Маникюр классический", 1200, 1200, 60], [2, "Маникюр с покрытием гель-лак", 2200, 2200, 90], [2, "Педикюр", 2500, 2800, 90],
  [2, "Снятие покрытия", 400, 400, 15], [2, "Наращивание ногтей", 3500, 4500, 120],
  [3, "Коррекция бровей", 800, 800, 30], [3, "Окрашивание бровей", 600, 600, 30], [3, "Ламинирование ресниц", 2500, 2500, 60],
  [3, "Наращивание ресниц", 3000, 3500, 120],
  [4, "Уход за лицом", 3500, 3500, 60], [4, "Массаж лица", 2000, 2000, 45],
];

/** What the salon wrote about some services in YClients (`comment`); the rest have none, as in real salons. */
const DESCRIPTIONS: Record<string, string> = {
  "Женская стрижка": "Консультация, мытьё головы, стрижка и укладка феном.",
  "Мужская стрижка": "Стрижка машинкой и ножницами, мытьё головы, укладка.",
  AirTouch: "Мягкое осветление с растяжкой цвета: пряди выбираются феном. Включает тонирование и уход.",
  "Маникюр с покрытием гель-лак": "Снятие старого покрытия, аппаратный маникюр, выравнивание и гель-лак в один тон.",
  "Ламинирование ресниц": "Изгиб и питание натуральных ресниц, окрашивание в подарок. Держится 6–8 недель.",
  "Уход за лицом": "Очищение, пилинг, маска по типу кожи и массаж лица.",
};

// [female?, specialization, position, categories served, hidden, fired]
const STAFF: Array<[boolean, string, string, number[], number, number]> = [
  [true, "Парикмахер-стилист", "Стилист", [0, 1], 0, 0],
  [true, "Колорист", "Стилист", [1, 0], 0, 0],
  [false, "Барбер", "Барбер", [0], 0, 0],
  [true, "Мастер маникюра", "Мастер ногтевого сервиса", [2], 0, 0],
  [true, "Мастер маникюра и педикюра", "Мастер ногтевого сервиса", [2], 0, 0],
  [true, "Бровист-лашмейкер", "Мастер бровей и ресниц", [3, 4], 0, 0],
  [true, "Косметолог", "Косметолог", [4], 1, 0],
  [true, "Мастер маникюра", "Мастер ногтевого сервиса", [2], 0, 1],
];

function personName(r: () => number, female: boolean): string {
  const last = pick(r, LAST);
  return female ? `${pick(r, FEMALE_FIRST)} ${last}а` : `${pick(r, MALE_FIRST)} ${last}`;
}

/** Working slots of a master on a day: masters alternate 5/2 weeks and 2/2 shifts; fired masters never work. */
export function scheduleFor(staff: YcStaff, staffIndex: number, date: string): YcTimeSlot[] {
  if (staff.fired === 1 || staff.status === 1) return [];
  const dayNo = Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
  if (staffIndex % 2 === 0) {
    const wd = weekday(date);
    if (wd === 0 || (wd === 6 && staffIndex % 4 === 0) || (wd === 1 && staffIndex % 4 === 2)) return [];
    return [{ from: "10:00", to: "14:00" }, { from: "15:00", to: "20:00" }];
  }
  if ((dayNo + staffIndex) % 4 >= 2) return [];
  return [{ from: "09:00", to: "21:00" }];
}

const toMin = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

function hash32(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619);
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 2246822519);
  }
  return ((h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0")).repeat(2);
}

export function recordHash(salonId: number, recordId: number): string {
  return hash32(`${salonId}:${recordId}`);
}

export function generateSalon(salonId: number, opts: SalonOptions, now: Date): SalonData {
  const r = rng(salonId * 2654435761);
  const tz = opts.timezone ?? "Europe/Moscow";
  const name = pick(r, SALON_NAMES);
  const company: YcCompany = {
    id: salonId,
    title: `Салон красоты «${name}»`,
    public_title: `«${name}»`,
    short_descr: "Салон красоты",
    logo: "https://yclients.com/images/no-master.png",
    country_id: 1, country: "Россия", city_id: 2, city: "Москва",
    timezone: offsetMinutes(now, tz) / 60,
    timezone_name: tz,
    address: `г. Москва, ул. ${pick(r, STREETS)}, д. ${int(r, 1, 40)}`,
    zip: 101000 + int(r, 0, 999),
    coordinate_lat: 55.7 + r() * 0.1, coordinate_lon: 37.55 + r() * 0.15,
    phone: `+7 495 ${int(r, 100, 999)}-${int(r, 10, 99)}-${int(r, 10, 99)}`,
    phones: [],
    site: `${name.toLowerCase()}-salon.ru`,
    description: `Салон красоты «${name}»: стрижки, окрашивание, маникюр, брови и уход.`,
    schedule: "Ежедневно 09:00–21:00",
    currency_short_title: "₽",
    active_staff_count: 0,
    allow_delete_record: true,
    allow_change_record: true,
  };

  const categories: YcServiceCategory[] = CATEGORIES.map((c, i) => ({
    id: salonId * 100 + i + 1, category_id: 1, salon_service_id: 0, title: c.title, booking_title: c.title, api_id: null,
    weight: c.weight, price_min: 0, price_max: 0, sex: 0, is_chain: false, staff: [],
  }));

  const staff: YcStaff[] = STAFF.map(([female, spec, position, , hidden, fired], i) => ({
    id: salonId * 100 + i + 1, api_id: null, name: personName(r, female), specialization: spec, company_id: salonId,
    information: "", fired, is_fired: fired === 1, dismissal_date: null, dismissal_reason: null, hidden, is_online: hidden === 0,
    status: 0, is_deleted: false, user_id: null, rating: Math.round((4.3 + r() * 0.7) * 10) / 10, prepaid: "forbidden",
    is_chain: false, weight: 100 - i, is_rating_shown: true, seance_step: 900, seance_search_step: 900,
    seance_search_start: 0, seance_search_finish: 86400, is_timetable_off: false,
    avatar: "https://yclients.com/images/no-master-sm.png", avatar_big: "https://yclients.com/images/no-master.png",
    position: { id: i + 1, title: position }, is_bookable: hidden === 0 && fired === 0, services_links: [],
  }));
  company.active_staff_count = staff.filter((s) => s.fired === 0).length;

  const services: YcService[] = SERVICES.map(([cat, title, min, max, minutes], i) => {
    const id = salonId * 1000 + i + 1;
    const masters = staff.filter((_, si) => STAFF[si]![3].includes(cat));
    for (const m of masters) m.services_links!.push({ service_id: id, master_id: m.id, length: minutes * 60 });
    return {
      id, salon_service_id: id, title, booking_title: title, print_title: "", category_id: categories[cat]!.id,
      price_min: min, price_max: max, discount: 0, comment: DESCRIPTIONS[title] ?? "", weight: 100 - i, active: 1, api_id: null,
      prepaid: "forbidden", is_multi: false, capacity: 0, duration: minutes * 60, is_online: true,
      seance_search_start: 0, seance_search_finish: 86400, seance_search_step: 900, date_from: "", date_to: "",
      staff: masters.map((m) => ({ id: m.id, seance_length: minutes * 60, technological_card_id: 0, image_url: "", price: null, name: m.name })),
      image_group: [], dates: [], resources: [],
    };
  });
  for (const c of categories) c.staff = staff.filter((s) => s.services_links!.some((l) => services.find((x) => x.id === l.service_id)?.category_id === c.id)).map((s) => s.id);

  const today = localDate(now, tz);
  const clientCount = opts.clients ?? 120;
  const clients: FakeClient[] = [];
  const phoneBase = (salonId * 7919) % 400_000_000;
  for (let i = 0; i < clientCount; i++) {
    const cr = rng(salonId * 31 + i * 7 + 1);
    const female = cr() < 0.7;
    const visits = cr() < 0.15 ? 0 : int(cr, 1, 40);
    const first = visits ? addDays(today, -int(cr, 30, 1500)) : null;
    const last = visits && first ? addDays(today, -int(cr, 1, Math.max(1, Math.round((Date.parse(today) - Date.parse(first)) / 86_400_000)))) : null;
    clients.push({
      id: salonId * 100_000 + i + 1,
      name: personName(cr, female),
      phone: asTyped(i, `9${String(100_000_000 + ((phoneBase + i * 104_729) % 800_000_000)).padStart(9, "0")}`),
      email: cr() < 0.4 ? `client${i + 1}@example.ru` : "",
      discount: cr() < 0.1 ? 5 : 0,
      sold_amount: visits ? visits * int(cr, 12, 45) * 100 : 0,
      visits_count: visits,
      first_visit_date: first,
      last_visit_date: last && first && last < first ? first : last,
      birth_date: cr() < 0.5 ? `${int(cr, 1960, 2005)}-${String(int(cr, 1, 12)).padStart(2, "0")}-${String(int(cr, 1, 28)).padStart(2, "0")}` : null,
    });
  }

  const records: FakeRecord[] = [];
  const recordCount = opts.records ?? 60;
  const days = opts.recordDays ?? { from: -7, to: 60 };
  const deletedShare = opts.deletedShare ?? 0.03;
  const working = staff.map((s, i) => ({ s, i })).filter(({ s }) => s.fired === 0);
  const busy = new Map<string, Array<[number, number]>>();
  for (let k = 0; k < recordCount; k++) {
    const rr = rng(salonId * 131 + k * 17 + 3);
    let placed: FakeRecord | null = null;
    // Free places first; after 40 tries a busy one will do, so the salon gets exactly the records asked for.
    for (let tryNo = 0; tryNo < 400 && !placed; tryNo++) {
      const { s, i } = pick(rr, working);
      const date = addDays(today, int(rr, days.from, days.to));
      const slots = scheduleFor(s, i, date);
      if (slots.length === 0) continue;
      const links = s.services_links!;
      const first = pick(rr, links);
      const ids = [first.service_id];
      let length = first.length;
      if (rr() < 0.15) {
        const second = pick(rr, links);
        if (second.service_id !== first.service_id) {
          ids.push(second.service_id);
          length += second.length;
        }
      }
      const slot = pick(rr, slots);
      const lo = toMin(slot.from);
      const hi = toMin(slot.to) - length / 60;
      if (hi < lo) continue;
      const startMin = lo + Math.floor(rr() * ((hi - lo) / 30 + 1)) * 30;
      const key = `${s.id}:${date}`;
      const taken = busy.get(key) ?? [];
      const overlaps = taken.some(([a, b]) => startMin < b && a < startMin + length / 60);
      if (overlaps && tryNo < 40) continue;
      taken.push([startMin, startMin + length / 60]);
      busy.set(key, taken);
      const start = parseYcDateTime(`${date} ${String(Math.floor(startMin / 60)).padStart(2, "0")}:${String(startMin % 60).padStart(2, "0")}:00`, tz);
      const past = start.getTime() < now.getTime();
      const createdAt = new Date(Math.min(now.getTime(), start.getTime()) - int(rr, 1, 30) * 86_400_000 - int(rr, 0, 86_399) * 1000);
      const clientId = clients.length === 0 || k % 53 === 52 ? null : clients[int(rr, 0, clients.length - 1)]!.id;
      const id = salonId * 100_000 + k + 1;
      placed = {
        id, staffId: s.id, serviceIds: ids, clientId, start, lengthSec: length,
        attendance: past ? (rr() < 0.9 ? 1 : -1) : rr() < 0.4 ? 2 : 0,
        deleted: rr() < deletedShare, comment: rr() < 0.1 ? "Просила напомнить накануне" : "",
        online: rr() < 0.5, apiId: "", createdAt, changedAt: createdAt, recordHash: null, visitId: id + 7_000_000,
      };
    }
    if (placed) records.push(placed);
  }

  return {
    salonId, timezone: tz, company, categories, services, staff, clients, records, users: companyUsers(salonId),
    nextClientId: salonId * 100_000 + clientCount + 1,
    nextRecordId: salonId * 100_000 + recordCount + 1,
  };
}

/** The rights of the APIB example's two users: a full administrator and a journal-only receptionist. */
export function userAccess(admin: boolean): Record<string, unknown> {
  return {
    stat_access: admin, schedule_edit_access: admin, client_phones_access: admin, clients_access: admin, settings_access: admin,
    edit_records_access: true, timetable_access: true, billing_access: admin, users_access: admin, excel_access: admin,
    finances_access: admin, storages_access: admin, send_sms: true, master_id: 0,
  };
}

/** The demo salon's users; ids embed the salon id (`salonId*10+1` is the owner). */
export function companyUsers(salonId: number): YcCompanyUser[] {
  const phone = (n: number) => `7900${String(salonId % 1_000_000).padStart(6, "0")}${n}`;
  return [
    { id: salonId * 10 + 1, firstname: "Владелец салона", login: phone(1), email: `owner${salonId}@example.com`, phone: phone(1), access: userAccess(true) },
    { id: salonId * 10 + 2, firstname: "Администратор ресепшена", login: phone(2), email: `desk${salonId}@example.com`, phone: phone(2), access: userAccess(false) },
  ];
}

/** Client rows as `clients/search` returns them, cut to the requested fields. */
export function clientFields(c: FakeClient, fields: string[]): YcClient {
  const out: YcClient = { id: c.id };
  for (const f of fields) if (f in c) (out as Record<string, unknown>)[f] = (c as unknown as Record<string, unknown>)[f];
  return out;
}

export function recordWire(salon: SalonData, rec: FakeRecord): YcRecord {
  const tz = salon.timezone;
  const master = salon.staff.find((s) => s.id === rec.staffId);
  const client = rec.clientId === null ? undefined : salon.clients.find((c) => c.id === rec.clientId);
  const services = rec.serviceIds.map((id) => {
    const s = salon.services.find((x) => x.id === id);
    const cost = s?.price_min ?? 0;
    return { id, title: s?.title ?? "Услуга", cost, cost_to_pay: cost, manual_cost: cost, cost_per_unit: cost, discount: 0, first_cost: cost, amount: 1 };
  });
  return {
    id: rec.id,
    company_id: salon.salonId,
    staff_id: rec.staffId,
    services,
    goods_transactions: [],
    staff: master
      ? { id: master.id, api_id: null, name: master.name, specialization: master.specialization, position: master.position,
          avatar: master.avatar, avatar_big: master.avatar_big, rating: master.rating, votes_count: 0 }
      : null,
    client: client
      ? { id: client.id, name: client.name, surname: "", patronymic: "", display_name: client.name, comment: "", phone: client.phone,
          card: "", email: client.email, success_visits_count: client.visits_count, fail_visits_count: 0, discount: client.discount,
          custom_fields: [], sex: 0, birthday: "", client_tags: [], is_new: client.visits_count === 0 }
      : null,
    comer: null,
    clients_count: 1,
    date: localDateTime(rec.start, tz),
    datetime: isoWithOffset(rec.start, tz),
    create_date: isoCompactOffset(rec.createdAt, tz),
    last_change_date: isoCompactOffset(rec.changedAt, tz),
    comment: rec.comment,
    online: rec.online,
    visit_attendance: rec.attendance,
    attendance: rec.attendance,
    confirmed: 1,
    seance_length: rec.lengthSec,
    length: rec.lengthSec,
    sms_before: 1, sms_now: 1, sms_now_text: "", email_now: 1, notified: 0, master_request: 0,
    api_id: rec.apiId,
    from_url: "",
    review_requested: 0,
    visit_id: rec.visitId,
    created_user_id: rec.online ? 0 : 1000,
    deleted: rec.deleted,
    paid_full: 0, payment_status: 0, prepaid: false, prepaid_confirmed: false, is_update_blocked: false,
    activity_id: 0, bookform_id: 0, record_from: rec.online ? "widget" : "", is_mobile: 0,
    custom_color: "", custom_font_color: "", record_labels: [], custom_fields: [], documents: [],
    sms_remain_hours: 1, email_remain_hours: 1, is_sale_bill_printed: false, resource_instance_ids: [], acceptance_free: null,
    ...(rec.recordHash ? { record_hash: rec.recordHash } : {}),
  };
}
