// Acting from outside at the instant a server has answered a call but before the caller hears it: a proxy asks
// `take` for every answer; an armed trigger whose call matches takes the answer (the proxy withholds it) and runs
// its action — e.g. killing the caller, which then dies with the work done and the answer lost, as a crash would.
export interface AnswerMatch {
  method: string;
  /** Matched against the path, query dropped. */
  path: RegExp;
}

export interface TakenAnswer {
  method: string;
  path: string;
  status: number;
  body: Buffer;
}

export interface AnswerTrigger {
  /** Arms a one-shot trigger; the promise settles with the answer it took and what the action returned. */
  arm<T>(match: AnswerMatch, action: (answer: TakenAnswer) => T): Promise<{ answer: TakenAnswer; result: T }>;
  /** For the proxy: whether an armed trigger wants this call's answer (then the proxy hands it over by `take`). */
  wants(method: string, path: string, status: number): boolean;
  take(answer: TakenAnswer): void;
}

interface Armed {
  match: AnswerMatch;
  run(answer: TakenAnswer): void;
}

export function createAnswerTrigger(): AnswerTrigger {
  let armed: Armed | undefined;
  const matches = (match: AnswerMatch, method: string, path: string, status: number) =>
    match.method === method && match.path.test(path) && status >= 200 && status < 300;
  return {
    arm(match, action) {
      return new Promise((resolve, reject) => {
        armed = {
          match,
          run(answer) {
            try {
              resolve({ answer, result: action(answer) });
            } catch (error) {
              reject(error);
            }
          },
        };
      });
    },
    wants(method, path, status) {
      return armed !== undefined && matches(armed.match, method, path, status);
    },
    take(answer) {
      const fired = armed;
      armed = undefined;
      fired?.run(answer);
    },
  };
}
