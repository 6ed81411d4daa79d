-- 好差评信息：每件办件的评价一行。国家表的字段名未见公开文本，此表为一门按其他办件表的写法自拟。
CREATE TABLE IF NOT EXISTS `up_pro_evaluation` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `project_no` VARCHAR(50) NOT NULL COMMENT '办件编号',
  `task_code` VARCHAR(36) NOT NULL COMMENT '实施编码',
  `task_name` VARCHAR(1000) NOT NULL COMMENT '事项名称',
  `org_code` VARCHAR(18) NOT NULL COMMENT '被评价部门编码',
  `org_name` VARCHAR(100) NOT NULL COMMENT '被评价部门',
  `evaluate_level` VARCHAR(2) NOT NULL COMMENT '评价等级：5 非常满意 … 1 非常不满意',
  `evaluate_level_name` VARCHAR(20) NULL COMMENT '评价等级名称',
  `evaluate_channel` VARCHAR(10) NOT NULL COMMENT '评价渠道',
  `evaluate_time` DATETIME NOT NULL COMMENT '评价时间',
  `evaluate_indicators` VARCHAR(1000) NULL COMMENT '评价指标：指标:分值，逗号分隔',
  `evaluate_content` VARCHAR(500) NULL COMMENT '意见建议',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型：I 新增，U 更新，D 删除',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `up_pro_evaluation_row_guid` (`row_guid`),
  KEY `up_pro_evaluation_project_no` (`project_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='好差评信息';
