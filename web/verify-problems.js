// The words for each problem the verify page finds. The English is live/verify.py's
// own (keep them identical, so the page and `live verify` read the same); the
// Korean says the same for members. `{name}` is filled from the problem's vars.
import { lang } from "./i18n.js";
import { DRIVE_PROBLEMS } from "./verify-drive-problems.js";

const PROBLEMS = {
  not_bundle: ["the file is not a LiveVote result bundle (no 'bundle' object)",
    "LiveVote 결과 묶음 파일이 아닙니다 ('bundle' 항목이 없음)"],
  malformed: ["{where}: the bundle is malformed here ({detail})",
    "{where}: 이 부분의 형식이 올바르지 않습니다 ({detail})"],
  wrong_ballot: ["record: this bundle is for ballot {got}, not the requested ballot {want}",
    "record: 요청한 투표 {want}가 아니라 투표 {got}의 결과 묶음입니다"],
  sig_key: ["signature: signed with key {got}, not the published key {key}",
    "signature: 공개된 키 {key}가 아닌 다른 키 {got}로 서명되었습니다"],
  sig_bad: ["signature: the Ed25519 signature does not match the bundle",
    "signature: Ed25519 서명이 결과 묶음과 맞지 않습니다"],
  sig_unsupported: [
    "signature: not checked; this browser cannot verify Ed25519 signatures (use a current "
    + "browser, or `live verify` on a computer)",
    "signature: 확인하지 못했습니다. 이 브라우저는 Ed25519 서명을 검사할 수 없습니다 (최신 브라우저나 "
    + "컴퓨터의 `live verify`를 쓰세요)"],
  chain_height: ["{where}: height is {height}, expected {i}",
    "{where}: 높이가 {height}입니다. {i}이어야 합니다"],
  chain_parent: [
    "{where}: parent does not match the hash of {name}[{prev}]; entries were reordered, "
    + "removed or inserted",
    "{where}: 앞 항목 {name}[{prev}]의 해시와 이어지지 않습니다. 항목의 순서가 바뀌었거나 빠졌거나 끼워 "
    + "넣어졌습니다"],
  chain_hash: ["{where}: hash does not match its entry", "{where}: 해시가 항목 내용과 맞지 않습니다"],
  chain_payload: ["{where}: payload does not match its payload_hash",
    "{where}: 기록 내용이 payload_hash와 맞지 않습니다"],
  chain_event: ["{where}: entry type or time differs from its payload",
    "{where}: 항목의 종류나 시각이 기록 내용과 다릅니다"],
  chain_truncated: [
    "chain: ends at height {height} with {last}, not with the result; the chain is truncated",
    "chain: 결과가 아니라 높이 {height}의 {last}(으)로 끝납니다. 체인이 잘렸습니다"],
  manifest_swapped: [
    "manifest: its SHA-256 does not match manifest_sha256 in the bundle and the sealed "
    + "record; the manifest was swapped",
    "manifest: 설계서의 SHA-256이 결과 묶음과 봉인된 기록의 manifest_sha256과 맞지 않습니다. 설계서가 "
    + "바뀌었습니다"],
  no_open: ["chain: no 'open' event; the ballot was never opened in this chain",
    "chain: 'open' 기록이 없습니다. 이 체인에서는 투표가 시작된 적이 없습니다"],
  manifest_open: [
    "manifest: does not match the manifest published when voting opened (chain[{i}])",
    "manifest: 투표를 시작할 때 공개된 설계서(chain[{i}])와 맞지 않습니다"],
  record_hash: ["record: its SHA-256 does not match record_sha256",
    "record: 기록의 SHA-256이 record_sha256과 맞지 않습니다"],
  record_result: ["record: differs from the result logged in chain[{i}]",
    "record: chain[{i}]에 기록된 결과와 다릅니다"],
  record_close: [
    "record: chain_at_close (height {height}) is not the close entry of this chain",
    "record: chain_at_close(높이 {height})가 이 체인의 마감 항목이 아닙니다"],
  cast_after_close: ["chain[{i}]: a ballot {kind} after the ballot closed",
    "chain[{i}]: 마감 뒤에 들어온 표 기록({kind})입니다"],
  tracker_bad: ["{where}: tracker does not match its choices and nonce",
    "{where}: 추적 번호가 선택과 nonce로 계산한 값과 다릅니다"],
  withdraw_off_roster: [
    "chain[{i}]: a withdrawal by {member}, who is not on the roster committed in the manifest",
    "chain[{i}]: 설계서에 약속된 조합원 명부에 없는 {member}의 철회입니다"],
  cast_off_roster: [
    "chain[{i}]: a ballot by {member}, who is not on the roster committed in the manifest",
    "chain[{i}]: 설계서에 약속된 조합원 명부에 없는 {member}의 표입니다"],
  secret_count: ["ballots: {published} secret ballots are published, but {secret} stand in the chain",
    "ballots: 비밀 투표가 {published}표 공개되었지만 체인에는 {secret}표가 남아 있습니다"],
  tracker_order: ["ballots: not in tracker order, or a tracker appears twice",
    "ballots: 추적 번호 순서가 아니거나 같은 추적 번호가 두 번 나옵니다"],
  secret_missing: ["{where}: no such secret ballot stands in the chain",
    "{where}: 체인에 이런 비밀 투표가 남아 있지 않습니다"],
  voter_twice: ["{where}: voter {voter} has more than one counted ballot",
    "{where}: 투표자 {voter}의 표가 두 번 이상 집계되었습니다"],
  not_cast: ["{where}: no such ballot was cast in the chain",
    "{where}: 체인에 이런 표가 들어온 기록이 없습니다"],
  not_last: ["{where}: not the voter's last ballot (chain[{i}] is)",
    "{where}: 그 투표자의 마지막 표가 아닙니다 (마지막 표는 chain[{i}])"],
  dropped: [
    "chain[{i}]: tracker {tracker}… was cast but is missing from the published ballots; a "
    + "ballot was dropped",
    "chain[{i}]: 추적 번호 {tracker}…의 표가 들어왔는데 공개된 표 목록에 없습니다. 표가 빠졌습니다"],
  choices_invalid: ["ballots[{n}]: choices {choices} are not valid for this ballot",
    "ballots[{n}]: 선택 {choices}는 이 투표에서 올바르지 않습니다"],
  counts: ["record: counts are {claimed} but the published ballots add up to {counts}",
    "record: 득표가 {claimed}(으)로 적혀 있지만 공개된 표를 세면 {counts}입니다"],
  voters: ["record: {voters} voters, but {ballots} ballots are published",
    "record: 투표자가 {voters}명으로 적혀 있지만 공개된 표는 {ballots}장입니다"],
  outcome: ["outcome: says {says}, the recount gives {expected}",
    "outcome: {says}(으)로 적혀 있지만 다시 세면 {expected}입니다"],
  meeting_votes: ["meeting: votes {votes} differ from the recount {counts}",
    "meeting: 득표 {votes}가 다시 센 {counts}와 다릅니다"],
  meeting_attendance: [
    "meeting: attendance figures are impossible (Di={di}, D={d}, A={a}, N={n})",
    "meeting: 출석 숫자가 맞지 않습니다 (Di={di}, D={d}, A={a}, N={n})"],
  meeting_elected: [
    "meeting: elected {elected} and tied {tied}, the rule gives elected {want_elected} and "
    + "tied {want_tied}",
    "meeting: 선출 {elected}, 동점 {tied}로 기록되었지만 기준에 따르면 선출 {want_elected}, 동점 "
    + "{want_tied}입니다"],
  meeting_outcome: ["meeting: outcome says {says}, the rule gives {outcome}",
    "meeting: 결과가 {says}(으)로 적혀 있지만 의결 규칙을 적용하면 {outcome}입니다"],
  witness_short: ["witness: saved height {height}, but the chain has only {len} entries",
    "witness: 증인은 높이 {height}를 저장했는데 체인에는 항목이 {len}개뿐입니다"],
  witness_fork: [
    "witness: at height {height} the chain has {have}…, the witness saved {saved}…; this "
    + "chain forks from the witnessed history",
    "witness: 높이 {height}에서 체인은 {have}…인데 증인은 {saved}…를 저장했습니다. 이 체인은 증인이 본 "
    + "기록에서 갈라졌습니다"],
  ...DRIVE_PROBLEMS,
};

function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name])
    : whole));
}

/** The problem as live/verify.py prints it (after "FAIL "). */
export function englishText(problem) {
  return fill(PROBLEMS[problem.key]?.[0] ?? problem.key, problem.vars);
}

/** The problem in the page's language. */
export function problemText(problem) {
  const words = PROBLEMS[problem.key];
  return fill(words?.[lang() === "ko" ? 1 : 0] ?? problem.key, problem.vars);
}
