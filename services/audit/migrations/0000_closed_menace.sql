CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_dept" text NOT NULL,
	"seq" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"message" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"jws" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"leaf" "bytea" NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_dept" text NOT NULL,
	"action" text NOT NULL,
	"dataset" text,
	"outcome" text NOT NULL,
	"record_count" bigint,
	"grant_id" text,
	"purpose" text,
	"subject_keys" text[],
	CONSTRAINT "events_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "tree_nodes" (
	"level" integer NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "tree_nodes_pk" PRIMARY KEY("level","idx")
);
--> statement-breakpoint
CREATE INDEX "alerts_actor_kind_idx" ON "alerts" USING btree ("actor_sub","kind","at");--> statement-breakpoint
CREATE INDEX "alerts_at_idx" ON "alerts" USING btree ("at");--> statement-breakpoint
CREATE INDEX "events_at_idx" ON "events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "events_request_id_idx" ON "events" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "events_actor_sub_idx" ON "events" USING btree ("actor_sub","seq");--> statement-breakpoint
CREATE INDEX "events_actor_dept_idx" ON "events" USING btree ("actor_dept","seq");--> statement-breakpoint
CREATE INDEX "events_dataset_idx" ON "events" USING btree ("dataset","seq");--> statement-breakpoint
CREATE INDEX "events_grant_id_idx" ON "events" USING btree ("grant_id");--> statement-breakpoint
CREATE INDEX "events_subject_keys_idx" ON "events" USING gin ("subject_keys");