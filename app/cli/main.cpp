// SPDX-License-Identifier: MIT
// quarry-cli: Quarry's work from a terminal. Exit codes: 0 ok, 1 API or network error, 2 usage.
#include "AuthCommands.h"
#include "CatalogCommands.h"
#include "Common.h"
#include "Output.h"
#include "LoadCommand.h"
#include "JobCommands.h"
#include "QueryCommands.h"
#include "TableCommands.h"
#include "UploadCommand.h"
#include "ValidateCommand.h"
#include "bigquery/BigQueryClient.h"
#include "quarry/Version.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

using namespace quarry;
using namespace quarry::cli;


int main(int argc, char** argv) {
    CLI::App app{"quarry-cli: BigQuery from a terminal"};
    app.set_version_flag("--version", std::string("quarry-cli ") + kVersion);
    app.require_subcommand(1);
    app.option_defaults()->always_capture_default(); // --help shows each option's default
    // Global options may come after the verb too (`query --format json ...`), as in bq: a
    // subcommand hands what it does not know to its parent (inherited by every subcommand).
    app.fallthrough();
    Globals g;
    app.add_option("--endpoint", g.endpoint,
                   "API base URL (default: $BIGQUERY_EMULATOR_HOST, else https://bigquery.googleapis.com)");
    app.add_option("--storage-endpoint", g.storageEndpoint,
                   "HOST:PORT of the BigQuery Storage API (Write and Read, gRPC over TLS) for uploads and exports "
                   "(default: bigquerystorage.googleapis.com:443 for Google's endpoint and its regional and private "
                   "ones, the sandbox's own port for a local sandbox)");
    app.add_option("--project", g.project, "project id (default: $GOOGLE_CLOUD_PROJECT)");
    app.add_option("--format", g.format, "output: table, json, ndjson or csv")
        ->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
    app.add_flag("-v,--verbose", g.verbose, "log requests to stderr (secrets redacted)");
    app.add_option("--max-retries", g.maxRetries, "retries of a failed request (BigQuery's retryable errors)")
        ->check(CLI::Range(0, 20));

    app.add_option("--key", g.keyFile, "sign in with this key: service-account JSON, .p12, PEM private key, or an ADC file")
        ->check(CLI::ExistingFile);
    app.add_flag("--adc", g.adc, "sign in with Application Default Credentials (default for Google's endpoint)");
    app.add_option("--key-email", g.keyEmail, "the service account of a .p12 or PEM key (they do not name it)");
    app.add_option("--key-id", g.keyId, "the key id of a .p12 or PEM key (JWT kid)");
    app.add_option("--passphrase-file", g.passphraseFile, "file whose first line decrypts an encrypted private key")
        ->check(CLI::ExistingFile);
    app.add_flag("--allow-credentials-to-endpoint", g.allowCredentialsToEndpoint,
                 "send Google credentials (ADC, Google service-account keys) to an --endpoint that is not Google's "
                 "API over HTTPS; without it they are never sent there");
    app.add_option("--token-mode", g.tokenMode,
                   "auto (self-signed JWT for Google, else token exchange), exchange or self-signed")
        ->check(CLI::IsMember({"auto", "exchange", "self-signed"}));

    auto* key = app.add_subcommand("key", "own key pairs and fingerprints");
    key->require_subcommand(1);
    KeyGenerateArgs kg;
    auto* keyGen = key->add_subcommand("generate", "make an RSA key pair and a self-signed certificate for a service account");
    keyGen->add_option("--out", kg.out, "folder for private_key.pem and public_cert.pem (default: here)");
    keyGen->add_option("--bits", kg.bits, "RSA key size: 2048, 3072 or 4096")->check(CLI::IsMember({2048, 3072, 4096}));
    keyGen->add_option("--days", kg.days, "certificate validity in days")->check(CLI::Range(1, 36500));
    keyGen->add_option("--email", kg.email, "the service account the key is for (for the upload command)");
    keyGen->add_option("--encrypt-with", kg.passphraseFile, "encrypt the private key with the passphrase in this file")
        ->check(CLI::ExistingFile);
    keyGen->add_flag("--force", kg.force, "replace an existing key pair");
    std::string fingerprintFile;
    auto* keyFp = key->add_subcommand("fingerprint", "SHA-256 fingerprints of a certificate or key file");
    keyFp->add_option("FILE", fingerprintFile, "certificate, public or private key PEM, key JSON or .p12")
        ->required()->check(CLI::ExistingFile);
    KeyFileArgs kf;
    auto* keyFile = key->add_subcommand("make-file", "write the key file for an own key pair once the admin reports its key id");
    keyFile->add_option("--private-key", kf.privateKey, "private_key.pem from key generate")->required()->check(CLI::ExistingFile);
    keyFile->add_option("--email", kf.email, "service account email")->required();
    keyFile->add_option("--key-id", kf.keyId, "the key id the upload returned")->required();
    keyFile->add_option("--certificate", kf.certificate, "check that this certificate belongs to the key (default: "
                                                         "public_cert.pem beside it)")->check(CLI::ExistingFile);
    keyFile->add_option("--token-uri", kf.tokenUri, "token endpoint (default Google's)");
    keyFile->add_option("--out", kf.out, "key file to write (default: key-KEY_ID.json beside the private key)");
    keyFile->add_flag("--force", kf.force, "replace an existing key file");

    auto* authCmd = app.add_subcommand("auth", "sign-in");
    authCmd->require_subcommand(1);
    auto* authTest = authCmd->add_subcommand("test", "sign in, list datasets, and report who and how");

    std::string lsDataset;
    auto* ls = app.add_subcommand("ls", "list datasets, or the tables of DATASET");
    ls->add_option("DATASET", lsDataset, "dataset (or PROJECT.DATASET)");

    std::string showTable;
    bool showJob = false;
    auto* show = app.add_subcommand("show", "table details and schema as a tree, or a job's (-j)");
    show->add_option("TABLE", showTable, "DATASET.TABLE or PROJECT.DATASET.TABLE; with -j, a job")->required();
    show->add_flag("-j,--job", showJob, "show a job: JOB_ID, LOCATION.JOB_ID or PROJECT:LOCATION.JOB_ID");
    bool showRoutine = false;
    show->add_flag("--routine", showRoutine, "show a routine (DATASET.ROUTINE): arguments, return type, body");

    std::string headTable;
    int headRows = 10;
    std::vector<std::string> headFields;
    auto* head = app.add_subcommand("head", "first rows of a table (tabledata.list: free, no query)");
    head->add_option("TABLE", headTable, "DATASET.TABLE or PROJECT.DATASET.TABLE")->required();
    head->add_option("-n,--rows", headRows, "how many rows")->check(CLI::Range(0, 100000));
    head->add_option("--fields", headFields, "only these fields (a,b.c)")->delimiter(',');

    QueryArgs qa;
    std::string maxBytes;
    std::int64_t maxRows = -1;
    auto* query = app.add_subcommand("query", "run a query (GoogleSQL unless --legacy or a #legacySQL first line)");
    query->add_option("SQL", qa.sql, "the query, or - to read it from standard input")->required();
    query->add_flag("--legacy", qa.legacy, "legacy SQL");
    query->add_flag("--dry-run", qa.dryRun, "estimate bytes and cost, show the result schema, run nothing");
    query->add_option("--max-bytes", maxBytes,
                      "fail instead of billing more than this (maximumBytesBilled): bytes, or 500MB, 1.5GB, 2TiB");
    query->add_option("--max-rows", maxRows, "print at most N rows")->check(CLI::NonNegativeNumber);
    query->add_option("--job-id", qa.jobId, "client-chosen job id (default: generated)");
    query->add_option("--location", qa.location, "job location (default: the default dataset's)");
    query->add_option("--dataset", qa.dataset, "default dataset for unqualified table names");
    query->add_option("--price-per-tib", qa.pricePerTiB, "on-demand price for cost estimates")->check(CLI::PositiveNumber);
    query->add_flag("--no-history", qa.noHistory, "do not record the run in the local history");
    query->add_flag("--create-session", qa.createSession,
                    "start a BigQuery session with this query (its id is printed); later queries pass --session-id");
    query->add_option("--session-id", qa.sessionId,
                      "run in this session: its variables, temporary functions and temporary tables are there")
        ->excludes("--create-session");
    query->add_option("--job-creation", qa.jobCreation,
                      "optional (default): short query mode, a query answered at once needs no job (BigQuery says why "
                      "when it makes one); required: always a job")
        ->check(CLI::IsMember({"optional", "required"}));
    query->add_option("-o,--output", qa.output,
                      "write every row to FILE (all pages, streamed; .csv, .ndjson or .json, or as --format says); "
                      "the file is replaced only when the export is complete")
        ->excludes("--max-rows")->excludes("--dry-run");
    query->add_option("--api", qa.api,
                      "how -o reads the rows: auto (default: the Storage Read API for 10,000 rows or more where Quarry knows "
                      "where it is: Google's, the local sandbox's or --storage-endpoint; else, or when it cannot be reached, "
                      "getQueryResults pages), rest or read")
        ->check(CLI::IsMember({"auto", "rest", "read"}))->needs("--output");

    std::string cancelJob, cancelLocation;
    auto* cancel = app.add_subcommand("cancel", "cancel a job and wait until it has stopped");
    cancel->add_option("JOB", cancelJob, "JOB_ID, LOCATION.JOB_ID or PROJECT:LOCATION.JOB_ID (as query prints it)")->required();
    cancel->add_option("--location", cancelLocation, "job location");

    JobsArgs ja;
    std::string jobsOne;
    auto* jobs = app.add_subcommand("jobs", "recent jobs of the project (yours, or everyone's), or one job");
    jobs->add_flag("--running", ja.running, "only jobs still pending or running");
    jobs->add_flag("-a,--all-users", ja.allUsers, "every user's jobs, not only yours (BigQuery: bigquery.jobs.listAll)");
    jobs->add_option("-n,--max", ja.max, "at most this many jobs (default 100)")->check(CLI::Range(1, 100000));
    jobs->add_option("JOB", jobsOne, "show this job: JOB_ID, LOCATION.JOB_ID or PROJECT:LOCATION.JOB_ID");
    WatchArgs wa;
    auto* watch = jobs->add_subcommand("watch", "cancel the project's running jobs that match a rule, every round (all users)");
    watch->add_option("--cancel-if", wa.rule,
                      "conditions that must all hold, e.g. 'type=QUERY priority=INTERACTIVE elapsed>=60m remaining>=5m' "
                      "(keys: type, priority, state, user with = or !=; elapsed, remaining, slot with >=, >, <=, < and "
                      "a duration such as 90s, 60m, 1h)")
        ->required();
    watch->add_option("--every", wa.every, "time between rounds (default 60s)");
    watch->add_flag("--dry-run", wa.dryRun, "only say which jobs the rule matches; cancel none");
    watch->add_flag("--once", wa.once, "one round, then exit");
    watch->add_option("--log", wa.log, "append one NDJSON audit line per decision to FILE");
    watch->add_option("--slots", wa.slots,
                      "the project's committed slots: estimate what is left as if the job had all of them (default: "
                      "at the rate it has run so far)")
        ->check(CLI::PositiveNumber);

    CostArgs ca;
    auto* cost = app.add_subcommand("cost", "bytes billed and on-demand cost per day, user or query (INFORMATION_SCHEMA.JOBS_BY_PROJECT)");
    cost->add_option("--days", ca.days, "the last this many days (default 30; at most 180)")->check(CLI::Range(1, 180));
    cost->add_option("--by", ca.by, "day (default), user or query (the most expensive --top)")->check(CLI::IsMember({"day", "user", "query"}));
    cost->add_option("--location", ca.location, "the jobs' location (default US)");
    cost->add_option("--price-per-tib", ca.pricePerTiB, "on-demand USD per TiB billed (default 6.25)")->check(CLI::NonNegativeNumber);
    cost->add_flag("--mine", ca.mine, "only your jobs (JOBS_BY_USER: needs no project-wide permission)");
    cost->add_option("--top", ca.top, "with --by query: how many (default 20)")->check(CLI::Range(1, 10000));

    ValidateArgs va;
    auto* validate = app.add_subcommand("validate", "dry-run every .sql file of a folder in dependency order: errors at "
                                                    "file:line:col, bytes each would process (on a sandbox, views are made as they pass)");
    validate->add_option("DIR", va.dir, "folder of .sql files (searched recursively)")->required();
    validate->add_option("--dataset", va.dataset, "default dataset (DATASET or PROJECT.DATASET) for names without one");
    validate->add_option("--location", va.location, "location of the dry runs (default: the server's)");
    validate->add_option("--parallel", va.parallel, "files checked at once")->check(CLI::Range(1, 64));
    validate->add_flag("--no-create", va.noCreate, "on a sandbox too, only dry-run: make nothing the files define");

    int historyLast = 20;
    auto* history = app.add_subcommand("history", "the local history of runs");
    history->add_option("-n,--last", historyLast, "how many entries")->check(CLI::PositiveNumber);

    UploadArgs ua;
    auto* upload = app.add_subcommand("upload", "stream a local JSON or NDJSON file (.gz too) into a table");
    upload->add_option("FILE", ua.file,
                       "NDJSON or JSON array file, optionally gzip-compressed; - or /dev/stdin reads a pipe")->required();
    upload->add_option("TABLE", ua.table, "DATASET.TABLE or PROJECT.DATASET.TABLE");
    upload->add_flag("--create", ua.create, "create the table if it does not exist");
    upload->add_flag("--create-dataset", ua.createDataset, "with --create: create the dataset too if it does not exist");
    upload->add_flag("--autodetect", ua.autodetect, "infer the schema from the whole file");
    upload->add_option("--schema", ua.schemaFile, "schema file (JSON, as bq uses) for a new table")->check(CLI::ExistingFile);
    upload->add_flag("--skip-invalid", ua.skipInvalid, "upload the valid rows even if some are invalid (they go to the rejects file)");
    upload->add_flag("--ignore-unknown", ua.ignoreUnknown, "drop fields the table does not have");
    upload->add_option("--rejects", ua.rejects,
                       "rejects file (default: FILE.rejects.ndjson; stdin.rejects.ndjson for a pipe); only a new file "
                       "or an earlier rejects file is ever replaced");
    upload->add_option("--batch-rows", ua.batchRows, "rows per request (at most 50000; default 500 for insertAll, 50000 for the Write API)")->check(CLI::Range(1, 50000));
    upload->add_option("--api", ua.api,
                       "auto (default: the Storage Write API where Quarry knows where it is: Google's, the local sandbox's or "
                       "--storage-endpoint; insertAll when it has none or cannot be reached), insertall or write")
        ->check(CLI::IsMember({"auto", "insertall", "write"}));
    upload->add_option("--batch-bytes", ua.batchBytes, "bytes per request (at most 10000000)")->check(CLI::Range(1024, 10000000));
    upload->add_option("--concurrency", ua.concurrency, "requests in flight")->check(CLI::Range(1, 64));
    upload->add_flag("--resume", ua.resume, "continue an interrupted upload of this file into this table");
    upload->add_flag("--again", ua.again, "upload a file that was uploaded before, once more");
    upload->add_option("--in-flight", ua.inFlight,
                       "with --resume, long after a stop: resend (rows that had landed are duplicated) or skip (rows "
                       "that had not are missing) the batches that were being sent")
        ->check(CLI::IsMember({"resend", "skip"}));
    upload->add_option("--input-format", ua.inputFormat, "auto, ndjson or json (one array)")
        ->check(CLI::IsMember({"auto", "ndjson", "json"}));
    upload->add_flag("--print-schema", ua.printSchema, "print the schema inferred from the whole file and exit");
    upload->add_flag("--no-progress", ua.noProgress, "no progress line on stderr");

    LoadArgs la;
    auto* load = addLoadCommand(app, la);
    TableVerbs verbs;
    addTableVerbs(app, verbs);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    Format f = Format::Table;
    parseFormat(g.format, f);
    qa.formatGiven = app.get_option("--format")->count() > 0;
    if (maxRows >= 0) qa.maxRows = maxRows;
    try {
        if (!maxBytes.empty()) qa.maxBytes = parseByteSize(maxBytes, "--max-bytes");
        if (*keyGen) return cmdKeyGenerate(kg);
        if (*keyFp) return cmdKeyFingerprint(g, fingerprintFile);
        if (*keyFile) return cmdKeyMakeFile(g, kf);
        if (*authTest) return cmdAuthTest(g);
        if (*query) return cmdQuery(g, f, qa);
        if (*upload) {
            if (ua.table.empty() && !ua.printSchema) throw UsageError("upload needs a TABLE (DATASET.TABLE)");
            return cmdUpload(g, f, ua);
        }
        if (*load) return cmdLoad(g, f, la);
        if (const int rc = runTableVerbs(g, f, verbs); rc >= 0) return rc;
        if (*cancel) return cmdCancel(g, cancelJob, cancelLocation);
        if (*watch) return cmdJobsWatch(g, wa);
        if (*cost) return cmdCost(g, f, ca);
        if (*validate) return cmdValidate(g, f, va);
        if (*jobs) return jobsOne.empty() ? cmdJobs(g, f, ja) : cmdJob(g, f, jobsOne);
        if (*history) return cmdHistory(f, historyLast);
        if (*ls) return cmdLs(g, f, lsDataset);
        if (*show) return showJob ? cmdJob(g, f, showTable) : cmdShow(g, f, showTable, showRoutine);
        if (*head) return cmdHead(g, f, headTable, headRows, headFields);
    } catch (const auth::AuthError& e) {
        std::cerr << "quarry-cli: sign-in: " << e.what() << '\n';
        return 1;
    } catch (const crypto::CryptoError& e) {
        std::cerr << "quarry-cli: key: " << e.what() << '\n';
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        std::cerr << "quarry-cli: " << e.what() << '\n';
        return 1;
    } catch (const UsageError& e) {
        std::cerr << "quarry-cli: " << e.what() << '\n';
        return 2;
    } catch (const std::invalid_argument& e) {
        std::cerr << "quarry-cli: " << e.what() << '\n';
        return 2;
    } catch (const ApiError& e) {
        std::cerr << "quarry-cli: " << (e.reason().empty() ? std::string("error") : e.reason()) << ": "
                  << e.message() << '\n';
        if (e.httpStatus() == 401)
            std::cerr << "quarry-cli: the endpoint wants a signed-in caller: pass --key FILE or --adc "
                         "(`quarry-cli auth test` checks the sign-in)\n";
        return 1;
    } catch (const TransportError& e) {
        std::cerr << "quarry-cli: network: " << e.what() << '\n';
        return 1;
    } catch (const SchemaError& e) {
        std::cerr << "quarry-cli: schema: " << e.what() << '\n';
        return 1;
    } catch (const std::runtime_error& e) {
        std::cerr << "quarry-cli: " << e.what() << '\n';
        return 1;
    }
    return 2;
}
