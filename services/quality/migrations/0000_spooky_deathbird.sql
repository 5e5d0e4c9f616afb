CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"dept" text,
	"run_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"kind" text NOT NULL,
	"reference" double precision NOT NULL,
	"value" double precision NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by_run" uuid
);
--> statement-breakpoint
CREATE TABLE "appeals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"publication_id" uuid NOT NULL,
	"dept" text NOT NULL,
	"reason" text NOT NULL,
	"filed_by" text NOT NULL,
	"filed_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"decision_reason" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"corrected_publication_id" uuid,
	"override" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "examples" (
	"run_id" uuid NOT NULL,
	"rule_id" text NOT NULL,
	"seq" integer NOT NULL,
	"record_key" text NOT NULL,
	"problem" text NOT NULL,
	"values" jsonb NOT NULL,
	CONSTRAINT "examples_run_id_rule_id_seq_pk" PRIMARY KEY("run_id","rule_id","seq")
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"version" integer PRIMARY KEY NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"period" text NOT NULL,
	"policy_version" integer NOT NULL,
	"supersedes" uuid,
	"superseded_by" uuid,
	"body" jsonb NOT NULL,
	"canonical" text NOT NULL,
	"jws" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_sets" (
	"dataset_id" text NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rule_sets_dataset_id_version_pk" PRIMARY KEY("dataset_id","version")
);
--> statement-breakpoint
CREATE TABLE "run_metrics" (
	"run_id" uuid NOT NULL,
	"dataset_id" text NOT NULL,
	"metric" text NOT NULL,
	"field" text DEFAULT '' NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "run_metrics_run_id_metric_field_pk" PRIMARY KEY("run_id","metric","field")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"dept" text,
	"status" text NOT NULL,
	"reason" text,
	"requested_by" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"total" integer,
	"dataset_version" integer,
	"rule_set_version" integer,
	"rules" jsonb,
	"records" integer,
	"score" double precision,
	"metrics" jsonb,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "publications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "examples" ADD CONSTRAINT "examples_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_metrics" ADD CONSTRAINT "run_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_dataset" ON "alerts" USING btree ("dataset_id","metric");--> statement-breakpoint
CREATE INDEX "publications_period" ON "publications" USING btree ("period");--> statement-breakpoint
CREATE UNIQUE INDEX "publications_one_current" ON "publications" USING btree ("period") WHERE superseded_by is null;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_one_queued" ON "runs" USING btree ("dataset_id") WHERE status = 'queued';--> statement-breakpoint
CREATE UNIQUE INDEX "runs_one_running" ON "runs" USING btree ("dataset_id") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "runs_dataset_finished" ON "runs" USING btree ("dataset_id","finished_at");