ALTER TABLE "dataset_versions" ADD COLUMN "field_order" jsonb;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "field_order" jsonb;