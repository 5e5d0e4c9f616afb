CREATE TABLE "sequencer_terms" (
	"epoch" bigint PRIMARY KEY NOT NULL,
	"leader_url" text,
	"backend_pid" integer NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL
);
