// What a closed ballot decided, as the pages show it: an agenda item's outcome
// (sealed in its record) and the options it elected, or an event poll's single
// leader, or a tie (two or more options sharing the top count: no winner).

/** {outcome: "PASSED"|"FAILED"|"QUORUM_NOT_MET"|"TIE"|null, winners: [option numbers]} */
export function outcomeOf(ballot, counts) {
  const meeting = ballot.result?.record?.meeting;
  if (meeting) {
    const passed = meeting.outcome === "PASSED";
    const winners = !passed ? [] : meeting.seats ? meeting.elected ?? [] : [0];
    return { outcome: meeting.outcome, winners };
  }
  const top = Math.max(0, ...counts);
  const leaders = top > 0 ? counts.flatMap((c, i) => (c === top ? [i] : [])) : [];
  if (leaders.length > 1) return { outcome: "TIE", winners: [] };
  return { outcome: null, winners: leaders };
}
