CREATE TABLE "grant_fact_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "grant_fact_outbox_pending_idx" ON "grant_fact_outbox" USING btree ("created_at") WHERE sent_at is null;