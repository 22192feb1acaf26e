// The parts of Apache ECharts that greentune.js draws with, bundled at build time by
// esbuild (CMakeLists.txt) into one script that sets window.echarts.  Only these charts
// and components are in it: the page parses about half of the full echarts.min.js, which
// is most of what a report costs to open before anything is drawn (web/README.md).
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent,
  TitleComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, ParallelChart, ScatterChart, DataZoomComponent, GridComponent,
  LegendComponent, MarkLineComponent, ParallelComponent, TitleComponent, TooltipComponent,
  VisualMapComponent, CanvasRenderer]);
window.echarts = echarts;
