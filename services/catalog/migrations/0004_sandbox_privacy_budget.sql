CREATE TABLE "sandbox_answers" (
	"digest" text PRIMARY KEY NOT NULL,
	"dataset_ids" jsonb NOT NULL,
	"query" jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"epsilon" double precision NOT NULL,
	"standard" boolean DEFAULT false NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_budgets" (
	"dataset_id" text PRIMARY KEY NOT NULL,
	"epsilon_per_year" double precision NOT NULL,
	"epsilon_per_query" double precision NOT NULL,
	"department_share" double precision NOT NULL,
	"dominance_share" double precision NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_spends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"account" text NOT NULL,
	"epsilon" double precision NOT NULL,
	"answer_digest" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sandbox_budgets" ADD CONSTRAINT "sandbox_budgets_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sandbox_answers_standard_idx" ON "sandbox_answers" USING btree ("standard");--> statement-breakpoint
CREATE INDEX "sandbox_spends_dataset_at_idx" ON "sandbox_spends" USING btree ("dataset_id","at");