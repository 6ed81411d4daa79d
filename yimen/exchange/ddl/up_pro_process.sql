-- 办件过程信息：办件时间线上的每个环节一行。
CREATE TABLE IF NOT EXISTS `up_pro_process` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `project_no` VARCHAR(50) NOT NULL COMMENT '办件编号',
  `process_name` VARCHAR(1000) NOT NULL COMMENT '办理环节名称',
  `event_name` VARCHAR(2) NOT NULL COMMENT '业务动作',
  `event_start_time` DATETIME NOT NULL COMMENT '环节开始时间',
  `event_end_time` DATETIME NOT NULL COMMENT '环节结束时间',
  `handle_user_name` VARCHAR(100) NOT NULL COMMENT '办理人员',
  `handle_explain` VARCHAR(2000) NOT NULL COMMENT '办理意见',
  `remark` LONGTEXT NULL COMMENT '备注',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型：I 新增，U 更新，D 删除',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `up_pro_process_row_guid` (`row_guid`),
  KEY `up_pro_process_project_no` (`project_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='办件过程信息';
