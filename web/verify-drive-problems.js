// The words for each problem the verify page finds in a consent drive's bundle:
// [English, Korean]. The English is live/verify.py's own, so the page and
// `live verify` read the same; verify-problems.js fills in `{name}`.

export const DRIVE_PROBLEMS = {
  unreadable: ["{detail}", "이 묶음은 읽을 수 없습니다: {detail}"],
  wrong_drive: ["manifest: this bundle is for drive {got}, not the requested drive {want}",
    "manifest: 요청한 동의 모집 {want}가 아니라 {got}의 증거 묶음입니다"],
  drive_manifest_hash: [
    "manifest: its SHA-256 does not match manifest_sha256; the manifest was changed",
    "manifest: 설계서의 SHA-256이 manifest_sha256과 맞지 않습니다. 설계서가 바뀌었습니다"],
  drive_no_open: ["chain: no 'drive_open' event; the drive was never opened in this chain",
    "chain: 'drive_open' 기록이 없습니다. 이 체인에서는 동의 모집이 시작된 적이 없습니다"],
  drive_manifest_open: [
    "manifest: does not match the manifest published when the drive opened (chain[{i}])",
    "manifest: 동의 모집을 시작할 때 공개된 설계서(chain[{i}])와 맞지 않습니다"],
  roster_hash: [
    "owners: the roster (each owner's pseudonym, area and buildings) does not hash to the "
    + "manifest's roster_sha256; an owner's area or buildings were changed, or an owner added "
    + "or removed",
    "owners: 소유자 명부(가명, 면적, 동)의 해시가 설계서의 roster_sha256과 맞지 않습니다. 소유자의 면적이나 "
    + "동이 바뀌었거나, 소유자가 더해지거나 빠졌습니다"],
  roster_totals: [
    "owners: {n} owners with {area} of land, the manifest says {says} with {says_area}",
    "owners: 소유자 {n}명, 토지면적 {area}이지만 설계서에는 {says}명, {says_area}로 적혀 있습니다"],
  owner_twice: ["owners: {owner} is listed twice", "owners: {owner}가 명부에 두 번 나옵니다"],
  act_hash: ["{where}: sha256 does not match its record; the record was changed",
    "{where}: sha256이 동의 기록과 맞지 않습니다. 기록이 바뀌었습니다"],
  act_sig: ["{where}: the Ed25519 signature does not match the record",
    "{where}: Ed25519 서명이 동의 기록과 맞지 않습니다"],
  act_key: ["{where}: signed by key {got}, not by the key that signed the bundle",
    "{where}: 묶음에 서명한 키가 아닌 다른 키 {got}로 서명되었습니다"],
  act_bound: ["{where}: its {name} {got} is not this drive's {want}",
    "{where}: {name} {got}이(가) 이 동의 모집의 {want}이(가) 아닙니다"],
  act_choice: ["{where}: the choice is neither consent nor withdraw",
    "{where}: 선택이 동의(consent)도 철회(withdraw)도 아닙니다"],
  act_time: [
    "{where}: signed at {ts} ms, outside the drive (opened at {opened}, deadline {deadline})",
    "{where}: 서명 시각 {ts} ms가 모집 기간 밖입니다 (시작 {opened}, 마감 {deadline})"],
  act_stamp: ["{where}: its time stamp token is not for this act's digest",
    "{where}: 타임스탬프 토큰이 이 기록의 해시에 대한 것이 아닙니다"],
  act_off_roster: [
    "chain[{i}]: a {type} by {owner}, who is not on the roster committed in the manifest",
    "chain[{i}]: 설계서에 약속된 명부에 없는 {owner}의 {type} 기록입니다"],
  standing_twice: ["{where}: the owner has more than one standing act",
    "{where}: 한 소유자의 유효한 기록이 둘 이상입니다"],
  never_logged: ["{where}: its sha256 is in no chain entry; the act was never logged",
    "{where}: 이 sha256은 체인 어디에도 없습니다. 기록된 적이 없는 동의입니다"],
  not_last_act: ["{where}: not the owner's last act (chain[{i}] is)",
    "{where}: 그 소유자의 마지막 기록이 아닙니다 (마지막 기록은 chain[{i}])"],
  not_last_act_other: [
    "{where}: not the owner's last act (the chain names another owner)",
    "{where}: 그 소유자의 마지막 기록이 아닙니다 (체인에는 다른 소유자로 기록됨)"],
  chain_type: ["{where}: the chain logs a {logged} (chain[{i}]), the act says {choice}",
    "{where}: 체인에는 {logged}(chain[{i}])로 기록되었는데 동의 기록에는 {choice}로 적혀 있습니다"],
  act_removed: [
    "chain[{i}]: the {type} of owner {owner}… (sha256 {sha}…) is missing from the acts; an act "
    + "was removed",
    "chain[{i}]: 소유자 {owner}…의 {type} 기록(sha256 {sha}…)이 유효한 기록 목록에 없습니다. 기록이 "
    + "빠졌습니다"],
  history_short: ["chain[{i}]: an act the history does not hold",
    "chain[{i}]: 전체 기록(history)에 없는 동의 기록입니다"],
  history_extra: ["history[{k}]: an act the chain does not log",
    "history[{k}]: 체인에 기록되지 않은 동의 기록입니다"],
  history_order: [
    "history[{k}]: is not the act logged at chain[{i}]; acts were removed, added or reordered",
    "history[{k}]: chain[{i}]에 기록된 것과 다른 기록입니다. 기록이 빠졌거나 더해졌거나 순서가 바뀌었습니다"],
  progress_threshold: ["progress: counted against another threshold than the manifest's",
    "progress: 설계서와 다른 동의요건으로 계산되었습니다"],
  progress_field: [
    "progress: says {name} {says}, the recount from the owners and acts gives {counted}",
    "progress: {name}이(가) {says}로 적혀 있지만 소유자와 동의 기록으로 다시 세면 {counted}입니다"],
  progress_criterion_missing: [
    "progress: the {name} criterion is missing (the recount gives {counted})",
    "progress: {name} 기준이 빠졌습니다 (다시 세면 {counted})"],
  progress_building_missing: ["progress: building {name} is missing (the recount gives {counted})",
    "progress: {name}이(가) 빠졌습니다 (다시 세면 {counted})"],
  progress_criterion_wrong: ["progress: the {name} criterion says {wrong}",
    "progress: {name} 기준이 맞지 않습니다: {wrong_ko}"],
  progress_building_wrong: ["progress: building {name} says {wrong}",
    "progress: {name}의 숫자가 맞지 않습니다: {wrong_ko}"],
  progress_extra: ["progress: lists {extra}, which the recount does not have",
    "progress: 다시 센 결과에 없는 {extra}이(가) 적혀 있습니다"],
};
