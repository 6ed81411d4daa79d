-- 办件结果信息：办结的办件一行。
CREATE TABLE IF NOT EXISTS `up_pro_result` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `project_no` VARCHAR(50) NOT NULL COMMENT '办件编号',
  `result_type` VARCHAR(2) NOT NULL COMMENT '办结结果',
  `result_date` DATETIME NOT NULL COMMENT '办结时间',
  `result_explain` VARCHAR(2000) NULL COMMENT '办件结果描述',
  `result_cetr_name` LONGTEXT NULL COMMENT '结果证照名称',
  `result_cetr_no` VARCHAR(2000) NULL COMMENT '结果证照编号',
  `is_delivery_results` VARCHAR(2) NOT NULL COMMENT '是否快递递送结果',
  `satisfaction` VARCHAR(2) NULL COMMENT '满意度',
  `handle_user_name` VARCHAR(100) NULL COMMENT '办结人员',
  `remark` VARCHAR(1000) NULL COMMENT '备注',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型：I 新增，U 更新，D 删除',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `up_pro_result_row_guid` (`row_guid`),
  KEY `up_pro_result_project_no` (`project_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='办件结果信息';
