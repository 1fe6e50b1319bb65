/**
 * `npm run bench -- --runs N`: a step measured N times is summarised goal by goal. Each figure's runs give
 * a min and a median, and a goal is met only when the median clears it: one lucky run cannot meet a goal,
 * and one unlucky run cannot miss it.
 */
import { clears, formatFigure, type Goal, type Section, type SummaryGoal } from './section.js';
import { median } from './stats.js';

/** One goal over its runs (the same goal of the same step, run after run). */
export function summariseGoal(runs: readonly Goal[]): Goal | SummaryGoal {
  const [first] = runs;
  if (!first) throw new Error('no runs to summarise');
  const figure = first.figure;
  if (!figure || runs.length === 1) return first;
  const values = runs.map((run) => {
    if (!run.figure) throw new Error(`goal "${first.goal}" has a figure in one run and not in another`);
    return run.figure.value;
  });
  const middle = median(values);
  const holds = runs.every((run) => run.holds !== false);
  const format = (value: number) => formatFigure(value, figure.unit);
  return {
    goal: first.goal,
    measured: `median ${format(middle)}, min ${format(Math.min(...values))} (runs: ${values.map(format).join(', ')})`,
    met: holds && clears(figure, middle),
    figure: { ...figure, value: middle },
    ...(holds ? {} : { holds }),
    runs: values,
    min: Math.min(...values),
    median: middle,
  };
}

/**
 * A step's sections over its runs: the run whose first figure is the median stands for the detail, with
 * the goals summarised over every run and a table of the runs under it.
 */
export function summariseSection(runs: readonly Section[]): Section {
  const [first] = runs;
  if (!first) throw new Error('no runs to summarise');
  if (runs.length === 1) return first;
  const goals = first.goals.map((_, index) =>
    summariseGoal(
      runs.map((run) => {
        const goal = run.goals[index];
        if (!goal) throw new Error(`section ${first.id}: run without goal ${index}`);
        return goal;
      }),
    ),
  );
  const lead = first.goals.findIndex((goal) => goal.figure);
  const pick =
    lead < 0
      ? first
      : (runs.find((run) => run.goals[lead]!.figure!.value === goals[lead]!.figure!.value) ?? first);
  const table = [
    '',
    `Over ${runs.length} runs (the detail above is from run ${runs.indexOf(pick) + 1}, the median of the first figure):`,
    '',
    `| goal | ${runs.map((_, index) => `run ${index + 1}`).join(' | ')} | min | median | |`,
    `|---|${runs.map(() => '---:').join('|')}|---:|---:|---|`,
    ...goals.map((goal, index) => {
      const summary = goal as SummaryGoal;
      if (!summary.runs)
        return `| ${goal.goal} | ${runs.map((run) => run.goals[index]!.measured).join(' | ')} | | | ${goal.met ? 'met' : '**missed**'} |`;
      const format = (value: number) => formatFigure(value, goal.figure!.unit);
      return (
        `| ${goal.goal} | ${summary.runs.map(format).join(' | ')} | ${format(summary.min)} | ` +
        `${format(summary.median)} | ${goal.met ? 'met' : '**missed**'} |`
      );
    }),
    '',
    `_Load average (1, 5, 15 min) at each run's start: ${runs.map((run) => run.load.before.join(', ')).join('; ')}._`,
    '',
  ].join('\n');
  return {
    ...pick,
    goals,
    markdown: `${pick.markdown}\n${table}`,
    runs: runs.map((run) => ({ goals: run.goals, load: run.load })),
  };
}
