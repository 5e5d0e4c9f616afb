-- Hand-written: drizzle-kit cannot declare partitioning (its snapshot has the table's shape: primary key (dataset_id, id)).
-- records becomes a table partitioned by dataset (LIST on dataset_id), one partition per dataset, made by a trigger
-- when the dataset row is inserted; the rows move over and keep their ids (the same sequence goes on).
ALTER SEQUENCE "records_id_seq" OWNED BY NONE;--> statement-breakpoint
ALTER TABLE "records" RENAME TO "records_unpartitioned";--> statement-breakpoint
ALTER TABLE "records_unpartitioned" RENAME CONSTRAINT "records_pkey" TO "records_unpartitioned_pkey";--> statement-breakpoint
DROP INDEX "records_dataset_id_idx";--> statement-breakpoint
DROP INDEX "records_dataset_key_idx";--> statement-breakpoint
CREATE TABLE "records" (
	"id" bigint DEFAULT nextval('records_id_seq') NOT NULL,
	"dataset_id" text NOT NULL,
	"key" text NOT NULL,
	"data" jsonb NOT NULL,
	"version" integer NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "records_pkey" PRIMARY KEY("dataset_id","id")
) PARTITION BY LIST ("dataset_id");--> statement-breakpoint
ALTER SEQUENCE "records_id_seq" OWNED BY "records"."id";--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "records_dataset_key_idx" ON "records" USING btree ("dataset_id","key" text_pattern_ops);--> statement-breakpoint
-- The partition's name, as record-indexes.ts recordPartitionName computes it.
CREATE FUNCTION "records_partition_name"(dataset_id text) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT 'records_p_' || left(encode(sha256(convert_to(dataset_id, 'UTF8')), 'hex'), 12) $$;--> statement-breakpoint
CREATE FUNCTION "records_make_partition"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF records FOR VALUES IN (%L)', records_partition_name(NEW.id), NEW.id);
	RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "datasets_make_records_partition" AFTER INSERT ON "datasets" FOR EACH ROW EXECUTE FUNCTION "records_make_partition"();--> statement-breakpoint
DO $$
DECLARE d record;
BEGIN
	FOR d IN SELECT id FROM datasets LOOP
		EXECUTE format('CREATE TABLE %I PARTITION OF records FOR VALUES IN (%L)', records_partition_name(d.id), d.id);
	END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "records" ("id", "dataset_id", "key", "data", "version", "ingested_at")
	SELECT "id", "dataset_id", "key", "data", "version", "ingested_at" FROM "records_unpartitioned";--> statement-breakpoint
DROP TABLE "records_unpartitioned";
