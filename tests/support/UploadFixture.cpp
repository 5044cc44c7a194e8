// SPDX-License-Identifier: MIT
#include "UploadFixture.h"
#include "platform/System.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>
#include <nlohmann/json.hpp>
#include <random>
#include <zlib.h>

namespace quarry::test {
namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
    static int n = 0;
    path = (fs::temp_directory_path() / ("quarry-test-" + std::to_string(quarry::platform::processId()) + "-" + std::to_string(n++) + "-" +
                                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())))
               .string();
    fs::create_directories(path);
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

UploadFile writePersons(const std::string& path, int n) {
    static const char* first[] = {"Anna", "Bo", "Chen", "Dara", "Emil", "Fatima", "Gus", "Hana"};
    static const char* places[] = {"Tokyo", "Austin", "Seattle", "Lagos", "Paris", "Lima"};
    static const char* genders[] = {"Female", "Male", "Other"};
    std::mt19937_64 rnd(42);
    auto pick = [&](int k) { return static_cast<int>(rnd() % static_cast<unsigned>(k)); };
    UploadFile out{path, {}};
    Sums& s = out.sums;
    std::ofstream f(path, std::ios::binary);
    std::string line;
    for (int i = 0; i < n; ++i) {
        nlohmann::json r;
        const std::string name = std::string(first[pick(8)]) + " \"Q\" Person " + std::to_string(i);
        const int age = pick(90);
        const std::string gender = genders[pick(3)];
        r["id"] = i;
        r["fullName"] = name;
        r["age"] = age;
        r["gender"] = gender;
        s["rows"] += 1;
        s["ids"] += i;
        s["ages"] += age;
        s["nameLen"] += static_cast<long long>(name.size());
        s["genderLen"] += static_cast<long long>(gender.size());
        if (pick(10) == 0) {
            r["phoneNumber"] = nullptr;
        } else {
            const int area = 200 + pick(800), number = 1000000 + pick(8999999);
            r["phoneNumber"] = {{"areaCode", area}, {"number", number}};
            s["areas"] += area;
            s["numbers"] += number;
        }
        r["children"] = nlohmann::json::array();
        for (int k = pick(4); k > 0; --k) {
            const std::string kid = first[pick(8)];
            const int kage = pick(18);
            r["children"].push_back({{"name", kid}, {"gender", genders[pick(3)]}, {"age", kage}});
            s["kids"] += 1;
            s["kids.ages"] += kage;
            s["kids.nameLen"] += static_cast<long long>(kid.size());
        }
        r["citiesLived"] = nlohmann::json::array();
        for (int k = pick(3); k > 0; --k) {
            const std::string place = places[pick(6)];
            nlohmann::json years = nlohmann::json::array();
            for (int y = pick(3); y > 0; --y) {
                const int year = 1950 + pick(70);
                years.push_back(year);
                s["years"] += 1;
                s["years.sum"] += year;
                s["years.placeLen"] += static_cast<long long>(place.size());
            }
            r["citiesLived"].push_back({{"place", place}, {"yearsLived", years}});
            s["cities"] += 1;
        }
        f << r.dump() << '\n';
    }
    return out;
}

void appendLines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    for (const auto& l : lines) f << l << '\n';
}

UploadFile gzipCopy(const UploadFile& f, const std::string& path) {
    std::ifstream in(f.path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    gzFile z = gzopen(path.c_str(), "wb");
    gzwrite(z, text.data(), static_cast<unsigned>(text.size()));
    gzclose(z);
    return {path, f.sums};
}

UploadFile arrayCopy(const UploadFile& f, const std::string& path) {
    std::ifstream in(f.path);
    auto arr = nlohmann::json::array();
    for (std::string l; std::getline(in, l);) arr.push_back(nlohmann::json::parse(l));
    std::ofstream(path) << arr.dump(2);
    return {path, f.sums};
}

BigQueryClient::Options clientOptions(const SandboxProcess& s) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    o.retry.initialBackoff = std::chrono::milliseconds(5);
    o.retry.maxBackoff = std::chrono::milliseconds(50);
    o.retry.maxAttempts = 12;
    return o;
}

UploadEnv::UploadEnv(std::vector<std::string> sandboxArgs)
    : sandbox(std::move(sandboxArgs)), client(clientOptions(sandbox)) {
    makeDataset(client);
}

void makeDataset(BigQueryClient& c) { c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}}); }

std::string jobError(BigQueryClient& c, const nlohmann::json& configuration) {
    const auto job = c.insertJob("p", {{"configuration", configuration}});
    const JobRef ref{"p", job["jobReference"]["jobId"].get<std::string>(), job["jobReference"].value("location", "")};
    for (int i = 0; i < 400; ++i) {
        const auto j = c.getJob(ref);
        if (j["status"]["state"] == "DONE")
            return j["status"].contains("errorResult") ? j["status"]["errorResult"].value("message", std::string("?")) : std::string();
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return "the job did not finish";
}

void createPersonsTable(BigQueryClient& c, const std::string& table) {
    const auto schema = nlohmann::json::parse(R"([
      {"name":"id","type":"INTEGER"},{"name":"fullName","type":"STRING"},{"name":"age","type":"INTEGER"},
      {"name":"gender","type":"STRING"},
      {"name":"phoneNumber","type":"RECORD","fields":[{"name":"areaCode","type":"INTEGER"},{"name":"number","type":"INTEGER"}]},
      {"name":"children","type":"RECORD","mode":"REPEATED","fields":[{"name":"name","type":"STRING"},
        {"name":"gender","type":"STRING"},{"name":"age","type":"INTEGER"}]},
      {"name":"citiesLived","type":"RECORD","mode":"REPEATED","fields":[{"name":"place","type":"STRING"},
        {"name":"yearsLived","type":"INTEGER","mode":"REPEATED"}]}])");
    c.insertTable("p", "d", {{"tableReference", {{"tableId", table}}}, {"schema", {{"fields", schema}}}});
}

Sums queryRow(BigQueryClient& c, const std::string& sql) {
    // A long wait: under a sanitizer on a busy machine the checksum query can outlast the
    // default 10 s (the HTTP client itself waits 120 s at most).
    const auto page = c.query("p", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 100000}});
    Sums out;
    if (page.rows.size() != 1) {
        ADD_FAILURE() << sql << ": " << page.rows.size() << " rows";
        return out;
    }
    for (std::size_t i = 0; i < page.schema.fields.size(); ++i) {
        const Value& v = page.rows[0][i];
        out[page.schema.fields[i].name] = v.isNull() ? 0 : v.asInt64();
    }
    return out;
}

bool tableExists(BigQueryClient& c, const std::string& table) {
    try {
        c.getTable(TableRef{"p", "d", table});
        return true;
    } catch (const ApiError& e) {
        if (e.httpStatus() != 404) throw;
        return false;
    }
}

long long countRows(BigQueryClient& c, const std::string& table) {
    return queryRow(c, "SELECT COUNT(*) AS n FROM d." + table)["n"];
}

void expectTableMatches(BigQueryClient& c, const std::string& table, const Sums& expected) {
    Sums got = queryRow(c, "SELECT COUNT(*) AS `rows`, COUNT(DISTINCT fullName) AS names, SUM(id) AS ids, "
                           "SUM(age) AS ages, SUM(LENGTH(fullName)) AS nameLen, SUM(LENGTH(gender)) AS genderLen, "
                           "SUM(phoneNumber.areaCode) AS areas, SUM(phoneNumber.number) AS numbers, "
                           "SUM(ARRAY_LENGTH(children)) AS kids, SUM(ARRAY_LENGTH(citiesLived)) AS cities FROM d." + table);
    const Sums kids = queryRow(c, "SELECT COUNT(*) AS n, SUM(k.age) AS ages, SUM(LENGTH(k.name)) AS nameLen FROM d." +
                                      table + ", UNNEST(children) AS k");
    const Sums years = queryRow(c, "SELECT COUNT(*) AS n, SUM(y) AS s, SUM(LENGTH(cl.place)) AS placeLen FROM d." +
                                       table + ", UNNEST(citiesLived) AS cl, UNNEST(cl.yearsLived) AS y");
    got["kids.ages"] = kids.at("ages");
    got["kids.nameLen"] = kids.at("nameLen");
    EXPECT_EQ(kids.at("n"), got["kids"]);
    got["years"] = years.at("n");
    got["years.sum"] = years.at("s");
    got["years.placeLen"] = years.at("placeLen");
    EXPECT_EQ(got["names"], expected.at("rows")) << "duplicate or missing rows";
    for (const auto& [k, v] : expected) EXPECT_EQ(got[k], v) << "checksum " << k << " of table " << table;
}

} // namespace quarry::test
