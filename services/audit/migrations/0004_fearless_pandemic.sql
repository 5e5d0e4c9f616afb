DROP INDEX "events_grant_lifecycle_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "access_request_id" text;--> statement-breakpoint
CREATE INDEX "events_access_request_idx" ON "events" USING btree ("access_request_id","seq") WHERE access_request_id is not null;--> statement-breakpoint
CREATE INDEX "events_grant_lifecycle_idx" ON "events" USING btree ("grant_id","seq") WHERE action in ('grants.created', 'access.granted', 'grants.revoked', 'access.grantRevoked') and outcome = 'allowed';