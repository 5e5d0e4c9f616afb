CREATE TABLE "alert_reviews" (
	"id" serial PRIMARY KEY NOT NULL,
	"alert_id" integer NOT NULL,
	"outcome" text NOT NULL,
	"note" text NOT NULL,
	"reviewer_sub" text NOT NULL,
	"reviewer_dept" text NOT NULL,
	"reviewed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "events_grant_lifecycle_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "access_request_id" text;--> statement-breakpoint
ALTER TABLE "alert_reviews" ADD CONSTRAINT "alert_reviews_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_reviews_alert_idx" ON "alert_reviews" USING btree ("alert_id","id");--> statement-breakpoint
CREATE INDEX "events_access_request_idx" ON "events" USING btree ("access_request_id","seq") WHERE access_request_id is not null;--> statement-breakpoint
CREATE INDEX "events_grant_lifecycle_idx" ON "events" USING btree ("grant_id","seq") WHERE action in ('grants.created', 'access.granted', 'grants.revoked', 'access.grantRevoked') and outcome = 'allowed';