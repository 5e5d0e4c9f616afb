CREATE TABLE "access_request_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"kind" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text
);
--> statement-breakpoint
CREATE TABLE "access_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"owner_dept" text NOT NULL,
	"requester_dept" text NOT NULL,
	"requested_by" text NOT NULL,
	"purpose" text NOT NULL,
	"legal_basis" text NOT NULL,
	"fields" jsonb NOT NULL,
	"unmasked_fields" jsonb NOT NULL,
	"duration_days" integer NOT NULL,
	"renews_grant_id" uuid,
	"status" text NOT NULL,
	"assignee" text,
	"filed_at" timestamp with time zone NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"decision" jsonb,
	"reject_code" text,
	"reject_text" text,
	"grant_id" uuid,
	"idempotency_key" text
);
--> statement-breakpoint
CREATE TABLE "department_access_settings" (
	"dept" text PRIMARY KEY NOT NULL,
	"deadline_working_days" integer DEFAULT 5 NOT NULL,
	"stewards" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"refusal_rate_target" real DEFAULT 0.1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_releases" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"caller_dept" text NOT NULL,
	"scope" text NOT NULL,
	"size" integer NOT NULL,
	"members" jsonb NOT NULL,
	"digest" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_request_events" ADD CONSTRAINT "access_request_events_request_id_access_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_requester_dept_departments_code_fk" FOREIGN KEY ("requester_dept") REFERENCES "departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "department_access_settings" ADD CONSTRAINT "department_access_settings_dept_departments_code_fk" FOREIGN KEY ("dept") REFERENCES "departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_request_events_request_idx" ON "access_request_events" USING btree ("request_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "access_request_events_idem_idx" ON "access_request_events" USING btree ("request_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "access_requests_owner_idx" ON "access_requests" USING btree ("owner_dept","status","deadline");--> statement-breakpoint
CREATE INDEX "access_requests_requester_idx" ON "access_requests" USING btree ("requester_dept","filed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "access_requests_idem_idx" ON "access_requests" USING btree ("requester_dept","idempotency_key");--> statement-breakpoint
CREATE INDEX "sandbox_releases_caller_idx" ON "sandbox_releases" USING btree ("caller_dept","scope","size");--> statement-breakpoint
CREATE INDEX "sandbox_releases_at_idx" ON "sandbox_releases" USING btree ("caller_dept","at");