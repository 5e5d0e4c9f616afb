CREATE TABLE "sandbox_queries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"caller_dept" text NOT NULL,
	"scope" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sandbox_queries_caller_at_idx" ON "sandbox_queries" USING btree ("caller_dept","at");