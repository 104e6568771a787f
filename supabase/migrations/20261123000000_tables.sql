-- The whole schema, multi-tenant by salon_id (the YClients salon id; there is no second tenant id).
-- Only the service role reaches data: RLS is on everywhere with no policies (see the last migration of each area).

create table salons (
  salon_id            bigint primary key check (salon_id > 0),
  title               text,
  address             text,
  phone               text,
  timezone            text not null default 'Europe/Moscow',
  status              text not null default 'pending_whatsapp'
                      check (status in ('pending_whatsapp', 'activating', 'active', 'activation_failed', 'frozen', 'uninstalled')),
  status_reason       text,
  marketplace_user    jsonb,
  whatsapp_phone      text check (whatsapp_phone ~ '^[0-9]{7,15}$'),
  whatsapp_state      text not null default 'none'
                      check (whatsapp_state in ('none', 'connecting', 'connected', 'logged_out', 'forbidden')),
  api_key             text,
  webhook_secret      text unique,
  settings            jsonb not null default '{}'::jsonb check (jsonb_typeof(settings) = 'object'),
  company             jsonb,
  registered_at       timestamptz,
  activated_at        timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create index salons_status_idx on salons (status);

create table marketplace_events (
  id          bigint generated always as identity primary key,
  salon_id    bigint not null,
  event       text not null check (event <> ''),
  data        jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null default now()
);
create index marketplace_events_salon_idx on marketplace_events (salon_id, created_at);

create table service_categories (
  salon_id     bigint not null references salons on delete cascade,
  category_id  bigint not null,
  title        text not null,
  weight       integer not null default 0,
  primary key (salon_id, category_id)
);

create table services (
  salon_id      bigint not null references salons on delete cascade,
  service_id    bigint not null,
  category_id   bigint,
  title         text not null,
  price_min     numeric(12, 2),
  price_max     numeric(12, 2),
  duration_sec  integer,
  bookable      boolean not null default true,
  weight        integer not null default 0,
  staff_ids     bigint[] not null default '{}',
  raw           jsonb,
  synced_at     timestamptz not null default now(),
  primary key (salon_id, service_id)
);

create table staff (
  salon_id        bigint not null references salons on delete cascade,
  staff_id        bigint not null,
  name            text not null,
  specialization  text,
  rating          numeric(4, 2),
  bookable        boolean not null default true,
  fired           boolean not null default false,
  hidden          boolean not null default false,
  raw             jsonb,
  synced_at       timestamptz not null default now(),
  primary key (salon_id, staff_id)
);

create table clients (
  salon_id       bigint not null references salons on delete cascade,
  client_id      bigint not null,
  name           text,
  phone          text check (phone ~ '^[0-9]{7,15}$'),
  email          text,
  sold_amount    numeric(14, 2) not null default 0,
  visits_count   integer not null default 0,
  first_visit_at timestamptz,
  last_visit_at  timestamptz,
  raw            jsonb,
  synced_at      timestamptz not null default now(),
  primary key (salon_id, client_id)
);
create index clients_phone_idx on clients (salon_id, phone);

create table staff_schedules (
  salon_id    bigint not null references salons on delete cascade,
  staff_id    bigint not null,
  date        date not null,
  slots       jsonb not null default '[]'::jsonb,
  synced_at   timestamptz not null default now(),
  primary key (salon_id, staff_id, date)
);

-- YClients appointments as we last saw them.
create table records (
  salon_id          bigint not null references salons on delete cascade,
  record_id         bigint not null,
  client_id         bigint,
  client_phone      text check (client_phone ~ '^[0-9]{7,15}$'),
  client_name       text,
  staff_id          bigint,
  staff_name        text,
  service_ids       bigint[] not null default '{}',
  services          jsonb not null default '[]'::jsonb,
  starts_at         timestamptz not null,
  duration_sec      integer not null default 0,
  attendance        integer not null default 0,
  deleted           boolean not null default false,
  created_by_us     boolean not null default false,
  yc_created_at     timestamptz,
  yc_changed_at     timestamptz,
  first_seen_at     timestamptz not null default now(),
  last_change_at    timestamptz not null default now(),
  gone_at           timestamptz,
  raw               jsonb,
  primary key (salon_id, record_id)
);
create index records_starts_idx on records (salon_id, starts_at);
create index records_phone_idx on records (salon_id, client_phone);

-- One row per client-visible message the system decided to send.
create table notifications (
  id           bigint generated always as identity primary key,
  salon_id     bigint not null references salons on delete cascade,
  record_id    bigint not null,
  kind         text not null check (kind in ('booking_created', 'booking_changed', 'booking_cancelled',
                                              'reminder_day_before', 'reminder_hours_before')),
  occasion     text not null check (occasion <> ''),
  phone        text not null check (phone ~ '^[0-9]{7,15}$'),
  status       text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'skipped', 'failed')),
  reason       text,
  text         text,
  attempts     integer not null default 0,
  message_id   text,
  due_at       timestamptz not null default now(),
  claimed_at   timestamptz,
  sent_at      timestamptz,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  unique (salon_id, record_id, kind, occasion)
);
create index notifications_due_idx on notifications (status, due_at);
create index notifications_phone_idx on notifications (salon_id, phone, sent_at);

create table conversations (
  salon_id          bigint not null references salons on delete cascade,
  phone             text not null check (phone ~ '^[0-9]{7,15}$'),
  jid               text,
  push_name         text,
  paused_until      timestamptz,
  paused_reason     text,
  last_greeted_on   date,
  last_inbound_at   timestamptz,
  last_outbound_at  timestamptz,
  created_at        timestamptz not null default now(),
  primary key (salon_id, phone)
);

create table messages (
  id             bigint generated always as identity primary key,
  salon_id       bigint not null references salons on delete cascade,
  phone          text not null,
  direction      text not null check (direction in ('in', 'out', 'admin')),
  wa_message_id  text,
  kind           text not null default 'text',
  text           text not null default '',
  data           jsonb,
  created_at     timestamptz not null default now(),
  unique (salon_id, wa_message_id)
);
create index messages_chat_idx on messages (salon_id, phone, created_at);

-- Baileys auth state: creds as key_type 'creds', key_id ''; one row per signal key.
create table wa_auth (
  salon_id    bigint not null,
  key_type    text not null check (key_type <> ''),
  key_id      text not null,
  value       jsonb not null,
  updated_at  timestamptz not null default now(),
  primary key (salon_id, key_type, key_id)
);

-- Who may write a salon's session: the holder with the highest fence.
create table wa_leases (
  salon_id    bigint primary key,
  holder      text not null,
  fence       bigint not null,
  expires_at  timestamptz not null
);

-- Gateway events waiting to reach the functions (durable outbox).
create table gateway_outbox (
  id            bigint generated always as identity primary key,
  dedupe_id     text not null unique,
  salon_id      bigint not null,
  path          text not null,
  body          jsonb not null,
  attempts      integer not null default 0,
  last_error    text,
  next_at       timestamptz not null default now(),
  created_at    timestamptz not null default now()
);

-- Sends already made by the gateway, so a retried send returns the first message id.
create table wa_sends (
  salon_id         bigint not null,
  idempotency_key  text not null,
  message_id       text,
  status           text not null default 'sending' check (status in ('sending', 'sent', 'failed')),
  error            text,
  created_at       timestamptz not null default now(),
  primary key (salon_id, idempotency_key)
);

create table sync_runs (
  id           bigint generated always as identity primary key,
  salon_id     bigint not null,
  parts        text[] not null,
  status       text not null default 'running' check (status in ('running', 'ok', 'failed')),
  counts       jsonb not null default '{}'::jsonb,
  requests     integer not null default 0,
  error        text,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz
);
create index sync_runs_salon_idx on sync_runs (salon_id, started_at);

create table sync_cursors (
  salon_id     bigint not null,
  part         text not null,
  cursor       text,
  last_run_at  timestamptz,
  last_ok_at   timestamptz,
  primary key (salon_id, part)
);

-- Idempotency keys of work already done (webhooks, jobs).
create table processed_events (
  key           text primary key,
  salon_id      bigint,
  processed_at  timestamptz not null default now()
);

-- The local dispatcher's queue (QStash's place when there is no QSTASH_TOKEN).
create table local_dispatch (
  id            bigint generated always as identity primary key,
  dedupe_id     text unique,
  url           text not null,
  body          text not null,
  retries       integer not null default 3,
  attempts      integer not null default 0,
  not_before    timestamptz not null default now(),
  locked_until  timestamptz,
  last_status   integer,
  last_error    text,
  done_at       timestamptz,
  created_at    timestamptz not null default now()
);
create index local_dispatch_due_idx on local_dispatch (not_before) where done_at is null;

-- One assistant turn: what the model and the tools did for one burst of client messages.
create table assistant_turns (
  id             bigint generated always as identity primary key,
  salon_id       bigint not null,
  phone          text not null,
  status         text not null check (status in ('answered', 'handover', 'failed', 'skipped')),
  model_calls    integer not null default 0,
  tool_calls     jsonb not null default '[]'::jsonb,
  model_ms       integer not null default 0,
  yclients_ms    integer not null default 0,
  own_ms         integer not null default 0,
  error          text,
  created_at     timestamptz not null default now()
);
create index assistant_turns_chat_idx on assistant_turns (salon_id, phone, created_at);
